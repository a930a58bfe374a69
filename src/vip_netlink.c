/* VIP management over rtnetlink with libnl-route-3: add/remove addresses, find the primary address. */
#include "vip_netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/if_addr.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "ipaddr.h"
#include "log.h"

/* The kernel answers rtnetlink requests at once; the bound only keeps a wedged kernel call from
 * stalling the daemon's single loop forever. */
#define VIP_NL_RCV_TIMEOUT_MS 2000

struct vip_nl {
	struct nl_sock *sk;
	int ifindex;
	char ifname[IFNAMSIZ];
	char label[IFNAMSIZ];
};

/* libnl folds kernel errnos into its own NLE_* codes (lib/error.c); turn them back so callers see
 * the -errno convention of the rest of the daemon. */
static int nle_to_errno(int nle)
{
	switch (abs(nle)) {
	case 0: return 0;
	case NLE_INTR: return -EINTR;
	case NLE_BAD_SOCK: return -EBADF;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_EXIST: return -EEXIST;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_MSGSIZE: return -EMSGSIZE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_MISSING_ATTR: return -EINVAL;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_BUSY: return -EBUSY;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_NOACCESS: return -EACCES;
	case NLE_PERM: return -EPERM;
	case NLE_NODEV: return -ENODEV;
	case NLE_DUMP_INTR: return -EINTR;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_OVERFLOW:
	case NLE_MSGTYPE_NOSUPPORT: return -EPROTO;
	default: return -EIO;
	}
}

/* "<ifname>:dm" when it fits the kernel's 15-character label; a cut-off suffix would be misread,
 * so a long interface name keeps the kernel's default label, the bare name. */
static void make_label(char label[IFNAMSIZ], const char *ifname)
{
	static const char suffix[] = ":dm";
	size_t len = strlen(ifname);

	memcpy(label, ifname, len + 1);
	if (len + sizeof(suffix) <= IFNAMSIZ)
		memcpy(label + len, suffix, sizeof(suffix));
}

int vip_nl_open(struct vip_nl **out, const char *ifname)
{
	size_t len = strlen(ifname);
	if (len == 0 || len >= IFNAMSIZ)
		return -EINVAL;
	unsigned ifindex = if_nametoindex(ifname);
	if (ifindex == 0)
		return errno ? -errno : -ENODEV;

	struct vip_nl *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->ifindex = (int)ifindex;
	memcpy(v->ifname, ifname, len + 1);
	make_label(v->label, ifname);

	v->sk = nl_socket_alloc();
	if (!v->sk) {
		free(v);
		return -ENOMEM;
	}
	int err = nl_connect(v->sk, NETLINK_ROUTE); /* SOCK_CLOEXEC since libnl 3.2.x */
	if (err < 0) {
		nl_socket_free(v->sk);
		free(v);
		return nle_to_errno(err);
	}
	struct timeval tv = { .tv_sec = VIP_NL_RCV_TIMEOUT_MS / 1000,
			      .tv_usec = (VIP_NL_RCV_TIMEOUT_MS % 1000) * 1000 };
	if (setsockopt(nl_socket_get_fd(v->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		err = -errno;
		nl_socket_free(v->sk);
		free(v);
		return err;
	}
	log_debug(LOG_CAT_NETLINK, "netlink: %s is ifindex %d, VIP label %s", v->ifname, v->ifindex,
		  v->label);
	*out = v;
	return 0;
}

int vip_nl_ifindex(const struct vip_nl *v)
{
	return v->ifindex;
}

int vip_nl_mac(const struct vip_nl *v, unsigned char mac[6])
{
	struct rtnl_link *link = NULL;
	int err = rtnl_link_get_kernel(v->sk, v->ifindex, NULL, &link);
	if (err < 0)
		return nle_to_errno(err);
	struct nl_addr *a = rtnl_link_get_addr(link);
	if (!a || nl_addr_get_len(a) != 6) {
		rtnl_link_put(link);
		return -EADDRNOTAVAIL;
	}
	memcpy(mac, nl_addr_get_binary_addr(a), 6);
	rtnl_link_put(link);
	return 0;
}

/* One RTM_NEWADDR or RTM_DELADDR for vip; 0 when the address ends up in the wanted state. */
static int addr_change(struct vip_nl *v, const struct conf_vip *vip, bool add)
{
	if (vip->prefixlen < 1 || vip->prefixlen > (vip->v6 ? 128 : 32))
		return -EINVAL;
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = vip->v6 ? nl_addr_build(AF_INET6, &vip->addr6, sizeof(vip->addr6))
					: nl_addr_build(AF_INET, &vip->addr, sizeof(vip->addr));
	int err = -NLE_NOMEM;
	if (!ra || !local)
		goto out;
	rtnl_addr_set_ifindex(ra, v->ifindex);
	err = rtnl_addr_set_local(ra, local);
	if (err < 0)
		goto out;
	/* set_local copies the nl_addr's own /32 into the object; the real prefix must come after. The
	 * kernel matches local, prefix length and (if sent) label on delete, so no label there: a VIP
	 * left by an older run with another label is still ours to remove. */
	rtnl_addr_set_prefixlen(ra, vip->prefixlen);
	if (add && vip->v6) {
		/* No duplicate address detection (as keepalived): a VIP moves between hosts by design,
		 * and a tentative address could not be used for a second. IPv6 has no labels: NODAD is
		 * what marks the address as ours at the next start (vip_nl_remove_stale). */
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	} else if (add) {
		err = rtnl_addr_set_label(ra, v->label);
		if (err < 0)
			goto out;
	}
	if (add) {
		err = rtnl_addr_add(v->sk, ra, 0);
		if (err == -NLE_EXIST)
			err = 0;
	} else {
		err = rtnl_addr_delete(v->sk, ra, 0);
		if (err == -NLE_NOADDR)
			err = 0;
	}
out:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	err = nle_to_errno(err);
	if (log_debug_cats() & LOG_CAT_NETLINK) {
		char s[IPADDR_STRLEN];
		struct in6_addr a = conf_vip_ip(vip);
		ipaddr_str(&a, s);
		log_debug(LOG_CAT_NETLINK, "netlink: %s %s/%d on %s: %s", add ? "add" : "delete", s,
			  vip->prefixlen, v->ifname, err ? strerror(-err) : "ok");
	}
	return err;
}

static int change_all(struct vip_nl *v, const struct conf_vip *vips, int n, bool add)
{
	if (n < 0 || (n > 0 && !vips))
		return -EINVAL;
	int first = 0;
	for (int i = 0; i < n; i++) {
		int err = addr_change(v, &vips[i], add);
		if (err < 0 && first == 0)
			first = err;
	}
	return first;
}

int vip_nl_add_all(struct vip_nl *v, const struct conf_vip *vips, int n)
{
	return change_all(v, vips, n, true);
}

int vip_nl_del_all(struct vip_nl *v, const struct conf_vip *vips, int n)
{
	return change_all(v, vips, n, false);
}

/* A fresh RTM_GETADDR dump (libnl restarts it itself when the kernel flags it interrupted). */
static int dump_addrs(struct vip_nl *v, struct nl_cache **out)
{
	int err = rtnl_addr_alloc_cache(v->sk, out);
	return err < 0 ? nle_to_errno(err) : 0;
}

/* The local address of ra (IPv4 mapped, ipaddr.h) if it sits on our interface. */
static bool addr_on_if(struct vip_nl *v, struct rtnl_addr *ra, struct in6_addr *a)
{
	int family = rtnl_addr_get_family(ra);
	if ((family != AF_INET && family != AF_INET6) || rtnl_addr_get_ifindex(ra) != v->ifindex)
		return false;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	if (!local || nl_addr_get_len(local) != (family == AF_INET ? 4u : 16u))
		return false;
	if (family == AF_INET) {
		struct in_addr a4;
		memcpy(&a4, nl_addr_get_binary_addr(local), sizeof(a4));
		*a = ipaddr_from4(a4);
	} else {
		memcpy(a, nl_addr_get_binary_addr(local), sizeof(*a));
	}
	return true;
}

static bool is_vip(const struct conf_vip *vips, int n, const struct in6_addr *a)
{
	for (int i = 0; i < n; i++) {
		struct in6_addr x = conf_vip_ip(&vips[i]);
		if (ipaddr_eq(&x, a))
			return true;
	}
	return false;
}

int vip_nl_count_present(struct vip_nl *v, const struct conf_vip *vips, int n)
{
	if (n < 0 || n > CONF_MAX_VIPS || (n > 0 && !vips))
		return -EINVAL;
	struct nl_cache *cache;
	int err = dump_addrs(v, &cache);
	if (err < 0)
		return err;
	bool seen[CONF_MAX_VIPS] = { false };
	int count = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct in6_addr a;
		if (!addr_on_if(v, (struct rtnl_addr *)o, &a))
			continue;
		for (int i = 0; i < n; i++) {
			struct in6_addr x = conf_vip_ip(&vips[i]);
			if (!seen[i] && ipaddr_eq(&x, &a)) {
				seen[i] = true;
				count++;
			}
		}
	}
	nl_cache_free(cache);
	log_debug(LOG_CAT_NETLINK, "netlink: %d of %d VIPs present on %s", count, n, v->ifname);
	return count;
}

int vip_nl_primary(struct vip_nl *v, const struct conf_vip *vips, int n, bool v6, struct in6_addr *out)
{
	if (n < 0 || (n > 0 && !vips))
		return -EINVAL;
	struct nl_cache *cache;
	int err = dump_addrs(v, &cache);
	if (err < 0)
		return err;
	err = -EADDRNOTAVAIL;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		struct in6_addr a;
		/* A /32 VIP, or a VIP in a subnet of its own, is flagged primary as well. */
		if (!addr_on_if(v, ra, &a) || ipaddr_is4(&a) == v6 || is_vip(vips, n, &a))
			continue;
		/* IPv6: RFC 5798 5.1.2.1, the source is the link-local address, usable (DAD over). */
		if (v6 ? !IN6_IS_ADDR_LINKLOCAL(&a) || (rtnl_addr_get_flags(ra) & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		       : (rtnl_addr_get_flags(ra) & IFA_F_SECONDARY) != 0)
			continue;
		*out = a;
		err = 0;
		break;
	}
	nl_cache_free(cache);
	if (log_debug_cats() & LOG_CAT_NETLINK) {
		char s[IPADDR_STRLEN] = "none";
		if (err == 0)
			ipaddr_str(out, s);
		log_debug(LOG_CAT_NETLINK, "netlink: %s address of %s: %s", v6 ? "link-local" : "primary",
			  v->ifname, s);
	}
	return err;
}

int vip_nl_remove_stale(struct vip_nl *v, const struct conf_vip *vips, int n, bool remove,
			struct in6_addr *foreign)
{
	struct nl_cache *cache;
	int err = dump_addrs(v, &cache), removed = 0;

	*foreign = (struct in6_addr){ 0 };
	if (err < 0)
		return err;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		struct in6_addr a;
		if (!addr_on_if(v, ra, &a) || !is_vip(vips, n, &a))
			continue;
		const char *label = rtnl_addr_get_label(ra);
		/* Ours carry our label (IPv6, which has none: NODAD); anything else with a VIP's address
		 * is the host's own. */
		bool ours = ipaddr_is4(&a) ? label && strcmp(label, v->label) == 0
					   : (rtnl_addr_get_flags(ra) & IFA_F_NODAD) != 0;
		if (!ours) {
			*foreign = a;
			continue;
		}
		for (int i = 0; i < n && remove; i++) {
			struct in6_addr x = conf_vip_ip(&vips[i]);
			if (ipaddr_eq(&x, &a) && addr_change(v, &vips[i], false) == 0)
				removed++;
		}
	}
	nl_cache_free(cache);
	return removed;
}

/* Whether addr (ipaddr.h form) is on our interface in the dump; its IFA_F_* flags in *flags. */
static bool find_addr(struct vip_nl *v, struct nl_cache *cache, const struct in6_addr *addr, unsigned *flags)
{
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		struct in6_addr a;
		if (addr_on_if(v, ra, &a) && ipaddr_eq(&a, addr)) {
			*flags = rtnl_addr_get_flags(ra);
			return true;
		}
	}
	return false;
}

int vip_nl_addr_ready(struct vip_nl *v, struct in6_addr addr)
{
	struct nl_cache *cache;
	unsigned flags;
	int err = dump_addrs(v, &cache);

	if (err < 0)
		return err;
	bool ready = find_addr(v, cache, &addr, &flags) && !(flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
	nl_cache_free(cache);
	return ready;
}

int vip_nl_link_state(struct vip_nl *v, struct in6_addr addr, bool *up, bool *has_addr)
{
	struct rtnl_link *link = NULL;
	int err = rtnl_link_get_kernel(v->sk, v->ifindex, NULL, &link);
	if (err < 0)
		return nle_to_errno(err);
	unsigned flags = rtnl_link_get_flags(link);
	rtnl_link_put(link);
	/* IFF_RUNNING follows the operational state (RFC 2863): a lost carrier clears it. */
	*up = (flags & IFF_UP) && (flags & IFF_RUNNING);
	struct nl_cache *cache;
	if ((err = dump_addrs(v, &cache)) < 0)
		return err;
	unsigned addr_flags;
	*has_addr = find_addr(v, cache, &addr, &addr_flags);
	nl_cache_free(cache);
	log_debug(LOG_CAT_NETLINK, "netlink: %s %s, %s", v->ifname, *up ? "up" : "down",
		  *has_addr ? "address present" : "address missing");
	return 0;
}

void vip_nl_close(struct vip_nl *v)
{
	if (!v)
		return;
	nl_socket_free(v->sk);
	free(v);
}
