// sources: src/conf_load.c src/conf_check.c
// pkg: libconfuse
/* libFuzzer target for the configuration loader: any file, never a crash, every error message a
 * "FILE:LINE: " line, and a file that loads passes conf_check again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_load.h"

static char path[64];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf c;
	static struct conf_errors e;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/dm-fuzz-conf-%d", (int)getpid());
		atexit(cleanup);
	}
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	memset(&e, 0, sizeof(e));
	int r = conf_load(path, &c, &e);
	for (int i = 0; i < e.n; i++)
		if (strncmp(e.msg[i], path, strlen(path)) != 0 || e.msg[i][strlen(path)] != ':')
			abort();
	if (r == 0) {
		struct conf_lines l = { 0 };
		struct conf_errors e2 = { 0 };
		if (e.n != 0 || conf_check(&c, &l, &e2) != 0)
			abort();
	}
	return 0;
}
