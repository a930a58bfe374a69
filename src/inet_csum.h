/* The Internet checksum (RFC 1071) shared by the VRRP codecs and the neighbour advertisement. */
#ifndef DM_INET_CSUM_H
#define DM_INET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of 16-bit big-endian words; every piece we sum has an even length. */
static inline uint32_t csum_add(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	return acc;
}

/* The carries folded back in, complemented: the value that goes into the checksum field. */
static inline uint16_t csum_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

#endif
