/* dualmasterctl: talks to dualmasterd over its local control socket, one request per run. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ka_import.h"
#include "log.h"

#define DEFAULT_SOCKET "/run/dualmaster/control.sock"
#define TIMEOUT_S 30
#define SWITCHOVER_TIMEOUT_S 120 /* fence + relay-log catch-up + VIP move */
#define REPLY_MAX (16u << 20)

/* Exit codes: 0 done, 1 the daemon said no (or answered nonsense), 2 usage or no conversation.
 * import-keepalived, which talks to no daemon: 1 the file cannot be read or imported. */
enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_TROUBLE = 2 };

static void usage(FILE *f)
{
	fprintf(f, "usage: dualmasterctl [-s SOCKET] [-t SECONDS] COMMAND\n"
		   "commands:\n"
		   "  status [-v|--json]     both nodes in one table (-v: this node in detail,\n"
		   "                         --json: one JSON object, schema in dualmasterctl(8))\n"
		   "  maintenance on|off     stop/resume automatic moves\n"
		   "  switchover             hand the master role to the peer, safely\n"
		   "  reload                 re-read the configuration (same as SIGHUP)\n"
		   "  debug CAT on|off       CAT: proto, pkt, netlink, mysql, ctl, all\n"
		   "  metrics                Prometheus text exposition\n"
		   "  import-keepalived FILE print a dualmaster.conf made from keepalived.conf FILE\n"
		   "                         (no daemon needed; review it, then dualmasterd -t -f OUT)\n"
		   "  history [-n N] [--json] the newest N transitions kept (default 20, at most 200)\n"
		   "options:\n"
		   "  -s, --socket PATH      control socket (default: $DUALMASTER_SOCKET, else\n"
		   "                         " DEFAULT_SOCKET ")\n"
		   "  -t, --timeout SECONDS  reply timeout (default 30, switchover 120)\n"
		   "  -h, --help, -V, --version\n"
		   "exit: 0 ok, 1 refused by the daemon (import: FILE not importable), 2 usage error or no answer\n");
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* Returns the end of the JSON value at p (whitespace skipped), or NULL if malformed. Objects and
 * arrays are skipped by bracket depth; only strings need care for quotes and escapes. */
static const char *json_skip(const char *p)
{
	int depth = 0;

	p = skip_ws(p);
	if (*p != '"' && *p != '{' && *p != '[') {
		const char *s = p;
		while (*p && !strchr(",:{}[]\" \t\r\n", *p))
			p++;
		return p == s ? NULL : p;
	}
	do {
		if (!*p)
			return NULL;
		if (*p == '"') {
			for (p++; *p != '"'; p++)
				if (!*p || (*p == '\\' && !*++p))
					return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		}
		p++;
	} while (depth > 0);
	return p;
}

/* Finds key among the top-level members of the object line; returns its value or NULL. */
static const char *json_get(const char *line, const char *key)
{
	const char *p = skip_ws(line);
	size_t klen = strlen(key);

	if (*p++ != '{')
		return NULL;
	for (;;) {
		p = skip_ws(p);
		if (*p != '"')
			return NULL;
		const char *k = p + 1, *kend = json_skip(p);
		if (!kend)
			return NULL;
		p = skip_ws(kend);
		if (*p++ != ':')
			return NULL;
		p = skip_ws(p);
		if ((size_t)(kend - 1 - k) == klen && memcmp(k, key, klen) == 0)
			return p;
		p = json_skip(p);
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p++ != ',')
			return NULL;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t utf8_put(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the JSON string at p into a malloc'ed UTF-8 string (\uXXXX and surrogate pairs included;
 * a lone surrogate becomes U+FFFD). NULL when p is not a well-formed string. */
static char *json_unescape(const char *p)
{
	if (!p || *p != '"')
		return NULL;
	char *out = malloc(strlen(p) + 1), *o = out;
	if (!out)
		return NULL;
	for (p++; *p != '"'; p++) {
		if (!*p || (unsigned char)*p < 0x20)
			goto bad;
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		switch (*++p) {
		case '"': *o++ = '"'; continue;
		case '\\': *o++ = '\\'; continue;
		case '/': *o++ = '/'; continue;
		case 'b': *o++ = '\b'; continue;
		case 'f': *o++ = '\f'; continue;
		case 'n': *o++ = '\n'; continue;
		case 'r': *o++ = '\r'; continue;
		case 't': *o++ = '\t'; continue;
		case 'u': break;
		default: goto bad;
		}
		long cp = hex4(p + 1);
		if (cp < 0)
			goto bad;
		p += 4;
		if (cp >= 0xd800 && cp <= 0xdbff && p[1] == '\\' && p[2] == 'u') {
			long lo = hex4(p + 3);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
		}
		if (cp >= 0xd800 && cp <= 0xdfff)
			cp = 0xfffd;
		o += utf8_put((unsigned long)cp, o);
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static bool json_is_true(const char *v)
{
	return v && strncmp(v, "true", 4) == 0;
}

static bool json_is_false(const char *v)
{
	return v && strncmp(v, "false", 5) == 0;
}

/* Prints a text field as is, with a final newline when it lacks one. */
static void print_text(const char *v)
{
	char *t = json_unescape(v);

	if (!t)
		return;
	fputs(t, stdout);
	if (t[0] && t[strlen(t) - 1] != '\n')
		putchar('\n');
	free(t);
}

/* One reply line: -1 for progress (keep reading), or the exit code of a final reply. */
static int handle_line(const char *line, bool raw)
{
	const char *ok = json_get(line, "ok");
	const char *progress = json_get(line, "progress");

	if (!ok && progress) {
		print_text(progress);
		fflush(stdout);
		return -1;
	}
	if (json_is_true(ok)) {
		if (raw)
			printf("%s\n", line);
		else if (json_get(line, "text"))
			print_text(json_get(line, "text"));
		else if (json_get(line, "message"))
			print_text(json_get(line, "message"));
		return EXIT_OK;
	}
	if (json_is_false(ok)) {
		char *err = json_unescape(json_get(line, "error"));
		fprintf(stderr, "dualmasterctl: %s\n", err ? err : "request failed");
		free(err);
		return EXIT_REFUSED;
	}
	fprintf(stderr, "dualmasterctl: unexpected reply: %.200s\n", line);
	return EXIT_REFUSED;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dualmasterctl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		const char *hint = "";
		if (err == ENOENT || err == ECONNREFUSED)
			hint = " (is dualmasterd running?)";
		else if (err == EACCES)
			hint = " (root or the socket's group needed)";
		fprintf(stderr, "dualmasterctl: cannot connect to %s: %s%s\n", path, strerror(err), hint);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

/* Sends request, then handles reply lines until the final one or the deadline. */
static int converse(int fd, const char *request, bool raw, int timeout_s)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
	int rc = EXIT_TROUBLE;

	if (!buf || !send_all(fd, request, strlen(request)) || !send_all(fd, "\n", 1)) {
		fprintf(stderr, "dualmasterctl: cannot send the request: %s\n", strerror(errno));
		goto out;
	}
	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			int r = handle_line(buf, raw);
			if (r >= 0) {
				rc = r;
				goto out;
			}
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		int64_t left = deadline - now_ms();
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int pr = left > 0 ? poll(&pf, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			fprintf(stderr, "dualmasterctl: no reply within %d s\n", timeout_s);
			goto out;
		}
		if (len + 1 >= cap) {
			char *p = cap < REPLY_MAX ? realloc(buf, cap * 2) : NULL;
			if (!p) {
				fprintf(stderr, "dualmasterctl: reply too long\n");
				goto out;
			}
			buf = p;
			cap *= 2;
		}
		ssize_t n = pr < 0 ? -1 : read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "dualmasterctl: connection closed before the reply%s%s\n",
				n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			goto out;
		}
		len += (size_t)n;
	}
out:
	free(buf);
	return rc;
}

/* Reads all of path (a regular file of at most KA_IMPORT_MAX_INPUT bytes) into a malloc'ed buffer. */
static char *read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	/* One byte more than allowed, so that a file over the bound is seen as such. */
	buf = malloc(KA_IMPORT_MAX_INPUT + 1);
	if (!buf)
		goto fail;
	for (;;) {
		ssize_t r = read(fd, buf + n, KA_IMPORT_MAX_INPUT + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0 || (n += (size_t)r) > KA_IMPORT_MAX_INPUT)
			break;
	}
	if (n > KA_IMPORT_MAX_INPUT) {
		errno = EFBIG;
		goto fail;
	}
	close(fd);
	*len = n;
	return buf;
fail:;
	int err = errno;
	free(buf);
	if (fd >= 0)
		close(fd);
	errno = err;
	return NULL;
}

/* import-keepalived FILE: the conversion on stdout, a summary on stderr; no daemon involved. */
static int import_keepalived(const char *path)
{
	struct ka_import_result res;
	size_t len;
	char *text = read_file(path, &len);

	if (!text) {
		fprintf(stderr, "dualmasterctl: %s: %s\n", path,
			errno == EFBIG ? "larger than 1 MiB" : errno == EINVAL ? "not a regular file" : strerror(errno));
		return EXIT_REFUSED;
	}
	int rc = ka_import(text, len, path, &res);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "dualmasterctl: %s\n", res.error);
		return EXIT_REFUSED;
	}
	rc = EXIT_OK;
	if (fwrite(res.text, 1, res.len, stdout) != res.len || fflush(stdout) != 0) {
		fprintf(stderr, "dualmasterctl: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_TROUBLE;
	}
	ka_import_free(&res);
	if (rc == EXIT_OK)
		fprintf(stderr, "dualmasterctl: %s: %d keepalived setting(s) not carried (the \"not carried:\" "
				"comments), %d placeholder(s) marked CHANGE ME; review, then check with dualmasterd -t -f OUT\n",
			path, res.not_carried, res.change_me);
	return rc;
}

/* Checks the command words and builds the request line; NULL on a usage error. */
static const char *build_request(int argc, char **argv, char *req, size_t len, bool *raw, int *timeout_s)
{
	const char *cmd = argv[0];

	*raw = false;
	if (strcmp(cmd, "status") == 0 && argc == 1)
		return "status";
	if (strcmp(cmd, "status") == 0 && argc == 2 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--verbose") == 0))
		return "status verbose";
	if (strcmp(cmd, "status") == 0 && argc == 2 && strcmp(argv[1], "--json") == 0) {
		*raw = true;
		return "status json";
	}
	if ((strcmp(cmd, "switchover") == 0 || strcmp(cmd, "reload") == 0 || strcmp(cmd, "metrics") == 0) &&
	    argc == 1) {
		if (strcmp(cmd, "switchover") == 0 && *timeout_s == 0)
			*timeout_s = SWITCHOVER_TIMEOUT_S;
		return cmd;
	}
	if (strcmp(cmd, "maintenance") == 0 && argc == 2 &&
	    (strcmp(argv[1], "on") == 0 || strcmp(argv[1], "off") == 0)) {
		snprintf(req, len, "maintenance %s", argv[1]);
		return req;
	}
	if (strcmp(cmd, "history") == 0) {
		/* -n N and --json in any order; the daemon checks N's range and says so. */
		const char *count = NULL;
		bool json = false;
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--json") == 0 && !json)
				json = true;
			else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc && !count &&
				 strspn(argv[i + 1], "0123456789") == strlen(argv[i + 1]) && strlen(argv[i + 1]) <= 3 &&
				 argv[i + 1][0])
				count = argv[++i];
			else
				return NULL;
		}
		*raw = json;
		snprintf(req, len, "history%s%s%s", json ? " json" : "", count ? " " : "", count ? count : "");
		return req;
	}
	if (strcmp(cmd, "debug") == 0 && argc == 3 && log_cat_parse(argv[1]) &&
	    (strcmp(argv[2], "on") == 0 || strcmp(argv[2], "off") == 0)) {
		snprintf(req, len, "debug %s %s", argv[1], argv[2]);
		return req;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' }, { "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },         { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("DUALMASTER_SOCKET");
	int timeout_s = 0, ch;
	char req[64], *end;
	bool raw;

	if (!path || !path[0])
		path = DEFAULT_SOCKET;
	/* "+": options end at the command, so "status --json" reaches the command parser. */
	while ((ch = getopt_long(argc, argv, "+s:t:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': path = optarg; break;
		case 't':
			timeout_s = (int)strtol(optarg, &end, 10);
			if (*end || timeout_s <= 0 || timeout_s > 86400) {
				fprintf(stderr, "dualmasterctl: bad timeout: %s\n", optarg);
				return EXIT_TROUBLE;
			}
			break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("dualmasterctl %s\n", DM_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_TROUBLE;
		}
	}
	/* A local command: handled before anything touches the control socket. */
	const char *cmd = optind < argc ? argv[optind] : "";
	if (strcmp(cmd, "import-keepalived") == 0) {
		if (argc - optind != 2) {
			usage(stderr);
			return EXIT_TROUBLE;
		}
		return import_keepalived(argv[optind + 1]);
	}
	const char *request = NULL;
	if (optind < argc)
		request = build_request(argc - optind, argv + optind, req, sizeof(req), &raw, &timeout_s);
	if (!request) {
		usage(stderr);
		return EXIT_TROUBLE;
	}
	if (timeout_s == 0)
		timeout_s = TIMEOUT_S;
	int fd = connect_to(path);
	if (fd < 0)
		return EXIT_TROUBLE;
	int rc = converse(fd, request, raw, timeout_s);
	close(fd);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = EXIT_TROUBLE;
	return rc;
}
