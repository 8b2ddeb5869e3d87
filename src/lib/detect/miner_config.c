/*
 * miner_config.c - miner configuration files (XMRig config.json, xmr-stak pools.txt,
 * INI/YAML variants) recognised by their keys, wherever they hide: config-like names
 * and anything in a hidden directory, up to a size no such config exceeds.
 */
#include "lc_private.h"

#include <stdio.h>
#include <string.h>

/* Miner configs are a few KiB; XMRig's fully commented one is under 16 KiB. */
#define MINER_CONFIG_MAX (256 * 1024)

static const char *const config_paths[] = {
	"*.json", "*.conf", "*.cfg", "*.ini", "*.yaml", "*.yml", "*.toml", "*.txt",
	"*config*", "*/.*", ".*", NULL,
};

static lc_code on_file(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
		       const uint8_t *buf, size_t len, bool truncated)
{
	char keys[256], ev[300];
	lc_finding_in f;
	int n;
	(void)shared;
	(void)worker;
	(void)e;
	(void)truncated;

	if (len == 0 || memchr(buf, 0, len < 4096 ? len : 4096))
		return LC_OK; /* binary */
	n = lc__miner_config_check((const char *)buf, len, keys, sizeof keys);
	if (n == 0)
		return LC_OK;
	snprintf(ev, sizeof ev, "keys: %s", keys);
	memset(&f, 0, sizeof f);
	f.rule_id = "miner.config";
	f.severity = LC_SEV_HIGH;
	f.title = "Cryptominer configuration file";
	f.description = "The file configures a cryptominer: pool, wallet/user and miner-only "
			"settings such as donate-level or rig-id.";
	f.source = LC_SRC_FILE;
	f.layer = -1;
	f.offset = -1;
	f.evidence = ev;
	f.remediation = "Remove the miner and its configuration; rebuild from a trusted base.";
	f.details = json_pack("{s:i}", "miner_keys", n);
	return lc__emit(em, &f);
}

const lc_detector lc__det_miner_config = {
	.name = "miner-config",
	.description = "cryptominer configuration files (pools, user, donate-level, rig-id ...)",
	.wants = LC_WANT_BUFFER,
	.paths = config_paths,
	.max_size = MINER_CONFIG_MAX,
	.on_file = on_file,
};
