// sources: src/state_file.c
/* libFuzzer target for the state file's parser: any bytes, never a crash; what parses is written
 * back by the formatter and parses again to the same state (nothing is lost or invented). Each
 * input is tried as it is and, so the content rules get fuzzed past the checksum, once more with a
 * correct checksum line (FNV-1a 64, state_file.h) appended. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_file.h"

static void round_trip(const char *data, size_t size)
{
	static struct state_saved a, b;
	static char text[STATE_FILE_MAX];
	char why[160];

	if (state_parse(data, size, &a, why, sizeof(why)) < 0) {
		if (!memchr(why, '\0', sizeof(why)))
			abort();
		return;
	}
	int n = state_format(&a, text, sizeof(text));
	if (n < 0 || state_parse(text, (size_t)n, &b, why, sizeof(why)) < 0 || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char signed_copy[STATE_FILE_MAX + 32];

	round_trip((const char *)data, size);
	if (size == 0 || size > STATE_FILE_MAX - 32 || data[size - 1] != '\n')
		return 0;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < size; i++) {
		h ^= data[i];
		h *= 0x100000001b3ULL;
	}
	memcpy(signed_copy, data, size);
	int n = snprintf(signed_copy + size, 32, "checksum %016llx\n", (unsigned long long)h);
	round_trip(signed_copy, size + (size_t)n);
	return 0;
}
