/* dualmasterd: command line, start-up and the one event loop wiring every module. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_load.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dualmasterd [-t] [-v] [-f FILE]\n"
		"  -f, --config FILE  configuration file (default " CONF_DEFAULT_PATH ")\n"
		"  -t, --test         check the configuration and exit: 0 valid, 1 with FILE:LINE: errors\n"
		"  -v, --verbose      debug logging for every category\n"
		"  -V, --version      print the version\n"
		"  -h, --help         this text\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' }, { "test", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },      { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	const char *path = CONF_DEFAULT_PATH;
	bool test = false, verbose = false;
	int ch;

	while ((ch = getopt_long(argc, argv, "f:tvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': path = optarg; break;
		case 't': test = true; break;
		case 'v': verbose = true; break;
		case 'V': printf("dualmasterd %s\n", DM_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("dualmasterd", verbose);

	struct conf *conf = calloc(1, sizeof(*conf));
	struct conf_errors *errs = calloc(1, sizeof(*errs));
	int rc = 1;
	if (!conf || !errs) {
		fprintf(stderr, "dualmasterd: out of memory\n");
		goto out;
	}
	if (conf_load(path, conf, errs) < 0) {
		for (int i = 0; i < errs->n; i++)
			fprintf(stderr, "%s\n", errs->msg[i]);
		goto out;
	}
	if (test) {
		printf("%s: configuration OK\n", path);
		rc = 0;
		goto out;
	}
	fprintf(stderr, "dualmasterd: daemon mode arrives with the VRRP engine\n");
out:
	free(conf);
	free(errs);
	return rc;
}
