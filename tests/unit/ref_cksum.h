/* Independent RFC 1071 reference for the codec tests: sums the bytes of every part as one stream,
 * pairing bytes by their position in the stream (so it does not share the codecs' assumption of
 * even parts, nor their code: src/inet_csum.h). */
#ifndef DM_TEST_REF_CKSUM_H
#define DM_TEST_REF_CKSUM_H

#include <stddef.h>
#include <stdint.h>

struct part {
	const uint8_t *p;
	size_t n;
};

static uint16_t ref_cksum(const struct part *parts, int nparts)
{
	uint64_t sum = 0;
	size_t pos = 0;

	for (int i = 0; i < nparts; i++)
		for (size_t j = 0; j < parts[i].n; j++, pos++)
			sum += (pos % 2 == 0) ? (uint64_t)parts[i].p[j] * 256 : parts[i].p[j];
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)(0xffff - sum);
}

#endif
