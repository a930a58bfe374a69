/* dualmasterctl: talks to dualmasterd over its local control socket. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--version") == 0)) {
		printf("dualmasterctl %s\n", DM_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: dualmasterctl [--version]\n");
	return 2;
}
