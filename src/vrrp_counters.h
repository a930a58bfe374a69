/* What the VRRP socket counted: plain data for status and metrics. */
#ifndef DM_VRRP_COUNTERS_H
#define DM_VRRP_COUNTERS_H

#include <stdint.h>

#include "vrrp_packet.h"

struct vrrp_counters {
	uint64_t sent;                /* datagrams: one advert to k unicast peers counts k */
	uint64_t send_errors;
	uint64_t received;            /* valid adverts handed to the engine */
	uint64_t prio0_sent;
	uint64_t prio0_received;
	uint64_t rejected[VRRP_PKT_ERR_MAX]; /* by decode reason; [VRRP_PKT_OK] unused */
	uint64_t ignored_self;        /* our own adverts looped back */
	uint64_t ignored_not_peer;    /* source not in vrrp.accept_from (the peer), dropped */
	uint64_t addr_mismatch;       /* address list differs from our vips, dropped (as keepalived) */
};

#endif
