/* keepalived.conf to dualmaster.conf (dualmasterctl import-keepalived): pure text in, text out. */
#ifndef DM_KA_IMPORT_H
#define DM_KA_IMPORT_H

#include <stddef.h>

/* The input is treated as hostile: everything is bounded, and a file beyond a bound is refused
 * with FILE:LINE rather than read in part. */
#define KA_IMPORT_MAX_INPUT (1024 * 1024) /* bytes */
#define KA_IMPORT_MAX_DEPTH 32            /* nested { } blocks */
#define KA_IMPORT_MAX_TOKEN 4096          /* bytes in one word, quotes and escapes resolved */
#define KA_IMPORT_MAX_WORDS 256           /* words in one statement (one line) */
#define KA_IMPORT_MAX_STMTS 65536         /* statements in the file */
#define KA_IMPORT_MAX_OUTPUT (8u << 20)   /* bytes of dualmaster.conf */

struct ka_import_result {
	char *text;       /* dualmaster.conf, NUL-terminated, malloc'ed; NULL when ka_import failed */
	size_t len;
	int not_carried;  /* keepalived settings written as "not carried:" comments */
	int change_me;    /* placeholders marked "CHANGE ME" */
	char error[512];  /* when ka_import failed: "FILE:LINE: message" */
};

/* Reads keepalived.conf text (len bytes, need not be NUL-terminated; name is used in messages and
 * in the output's header) and writes a dualmaster.conf for its first vrrp_instance. Every setting
 * that is not carried over becomes a "# not carried: ..." comment saying what it was and why.
 * Returns 0, or -1 with res->error set: a syntax error (unterminated quote, unbalanced braces,
 * a bound exceeded), no vrrp_instance, or out of memory. No I/O, no clock. */
int ka_import(const char *text, size_t len, const char *name, struct ka_import_result *res);
/* Frees res->text (res may be the result of a failed call). */
void ka_import_free(struct ka_import_result *res);

#endif
