// sources: src/ctl_cmd.c
/* libFuzzer target for the control protocol's parser: any bytes, never a crash, and what parses
 * parses again the same from its canonical form. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_cmd a, b;
	char why[256], canon[96];
	static const char *const names[] = {
		[CTL_CMD_STATUS] = "status",	       [CTL_CMD_STATUS_VERBOSE] = "status verbose",
		[CTL_CMD_STATUS_JSON] = "status json", [CTL_CMD_METRICS] = "metrics",
		[CTL_CMD_SWITCHOVER] = "switchover",   [CTL_CMD_RELOAD] = "reload",
	};

	if (ctl_cmd_parse((const char *)data, size, &a, why, sizeof(why)) < 0) {
		if (!memchr(why, '\0', sizeof(why)))
			abort();
		return 0;
	}
	if (a.type == CTL_CMD_MAINTENANCE)
		snprintf(canon, sizeof(canon), "maintenance %s", a.on ? "on" : "off");
	else if (a.type == CTL_CMD_HISTORY)
		snprintf(canon, sizeof(canon), "history%s %d", a.json ? " json" : "", a.count);
	else if (a.type == CTL_CMD_DEBUG)
		snprintf(canon, sizeof(canon), "debug %s %s", a.category, a.on ? "on" : "off");
	else
		snprintf(canon, sizeof(canon), "%s", names[a.type]);
	if (ctl_cmd_parse(canon, strlen(canon), &b, why, sizeof(why)) < 0 || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	return 0;
}
