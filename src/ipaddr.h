/* One type for an IPv4 or IPv6 address where either may come: an advert's source, our own source,
 * a VIP looked up on the interface. IPv4 is held IPv4-mapped (RFC 4291 2.5.5.2), so one memcmp
 * orders addresses of either family as RFC 5798 6.4.3 compares them ("as unsigned integers"). */
#ifndef DM_IPADDR_H
#define DM_IPADDR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#define IPADDR_STRLEN INET6_ADDRSTRLEN

static inline struct in6_addr ipaddr_from4(struct in_addr a)
{
	struct in6_addr m = { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff } } };
	memcpy(&m.s6_addr[12], &a, 4);
	return m;
}

static inline bool ipaddr_is4(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a);
}

/* The IPv4 address of a mapped one; 0.0.0.0 for a real IPv6 address. */
static inline struct in_addr ipaddr_to4(const struct in6_addr *a)
{
	struct in_addr v = { 0 };
	if (ipaddr_is4(a))
		memcpy(&v, &a->s6_addr[12], 4);
	return v;
}

static inline bool ipaddr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* All zero, or the mapped 0.0.0.0: "no address". */
static inline bool ipaddr_is_none(const struct in6_addr *a)
{
	return IN6_IS_ADDR_UNSPECIFIED(a) || (ipaddr_is4(a) && ipaddr_to4(a).s_addr == 0);
}

/* A literal of either family; false when s is neither. */
static inline bool ipaddr_parse(const char *s, struct in6_addr *out)
{
	struct in_addr a4;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		*out = ipaddr_from4(a4);
		return true;
	}
	return inet_pton(AF_INET6, s, out) == 1;
}

/* Dotted quad for IPv4, RFC 5952 text for IPv6. Returns buf. */
static inline const char *ipaddr_str(const struct in6_addr *a, char buf[IPADDR_STRLEN])
{
	if (ipaddr_is4(a))
		inet_ntop(AF_INET, &a->s6_addr[12], buf, IPADDR_STRLEN);
	else
		inet_ntop(AF_INET6, a, buf, IPADDR_STRLEN);
	return buf;
}

#endif
