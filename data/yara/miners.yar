/*
 * miners.yar - cryptominers and the tooling of the groups that plant them in
 * containers (Kinsing/h2miner, TeamTNT, WatchDog, 8220 gang). Written for laocoon
 * (Apache-2.0). Where a rule follows a public rule, its meta says which one:
 *  - signature-base (Florian Roth, Nextron Systems; Tony Lambert, Red Canary),
 *    Detection Rule License 1.1, https://github.com/Neo23x0/signature-base
 *  - minerchk / lw-yara (Brian Laskowski), Apache-2.0, https://github.com/Hestat/minerchk
 * Severity: "critical" for miner programs and attack tooling, "high" for configs.
 */

private rule is_elf
{
	condition:
		uint32(0) == 0x464c457f
}

rule xmrig_miner
{
	meta:
		description = "XMRig Monero miner or a fork of it"
		severity = "critical"
		family = "xmrig"
		follows = "signature-base XMRIG_Monero_Miner, PUA_LNX_XMRIG_CryptoMiner (Florian Roth, DRL 1.1)"
		reference = "https://github.com/xmrig/xmrig"
	strings:
		$s1 = "'h' hashrate, 'p' pause, 'r' resume" ascii
		$s2 = "password for mining server" ascii
		$s3 = "XMRig/%s" ascii
		$s4 = "donate.v2.xmrig.com" ascii
		$s5 = "--donate-level" ascii
		$s6 = "* THREADS:" ascii
		$s7 = "cpu-max-threads-hint" ascii
		$s8 = "number of hash blocks to process at a time" ascii
		$s9 = "randomx" ascii
		$s10 = "stratum+tcp://" ascii
	condition:
		(is_elf and 2 of them) or 4 of them
}

rule xmrig_config
{
	meta:
		description = "XMRig configuration (config.json)"
		severity = "high"
		family = "xmrig"
		follows = "signature-base XMRIG_Monero_Miner_Config (Florian Roth, DRL 1.1)"
		reference = "https://xmrig.com/docs/miner/config"
	strings:
		$donate = "\"donate-level\"" ascii
		$pools = "\"pools\"" ascii
		$url = "\"url\"" ascii
		$user = "\"user\"" ascii
		$algo = "\"algo\"" ascii
		$rig = "\"rig-id\"" ascii
	condition:
		filesize < 256KB and not is_elf and $pools and ($donate or $rig) and 2 of ($url, $user, $algo)
}

rule xmr_stak_miner
{
	meta:
		description = "xmr-stak miner or its pool configuration"
		severity = "critical"
		family = "xmr-stak"
		follows = "minerchk crypto_miner_config_file_0 (Brian Laskowski, Apache-2.0)"
		reference = "https://github.com/fireice-uk/xmr-stak"
	strings:
		$a1 = "pool_address" ascii
		$a2 = "wallet_address" ascii
		$a3 = "pool_password" ascii
		$a4 = "pool_weight" ascii
		$b1 = "xmr-stak" ascii nocase
		$b2 = "use_nicehash" ascii
		$b3 = "pool_list" ascii
	condition:
		all of ($a*) or ($b1 and 2 of ($a*, $b2, $b3))
}

rule cpuminer_miner
{
	meta:
		description = "cpuminer / minerd (pooler's CPU miner and its forks)"
		severity = "critical"
		family = "cpuminer"
		reference = "https://github.com/pooler/cpuminer"
	strings:
		$u1 = "Usage: minerd [OPTIONS]" ascii
		$u2 = "Usage: cpuminer [OPTIONS]" ascii
		$s1 = "--coinbase-addr" ascii
		$s2 = "mining.subscribe" ascii
		$s3 = "scrypt" ascii
		$s4 = "sha256d" ascii
		$s5 = "stratum+tcp://" ascii
		$s6 = "cpuminer" ascii
	condition:
		any of ($u*) or (is_elf and 4 of ($s*))
}

rule stratum_client
{
	meta:
		description = "Program or script that speaks the Stratum mining protocol"
		severity = "high"
		family = "generic-miner"
		reference = "https://en.bitcoin.it/wiki/Stratum_mining_protocol"
	strings:
		$m1 = "mining.subscribe" ascii
		$m2 = "mining.authorize" ascii
		$m3 = "mining.submit" ascii
		$m4 = "mining.notify" ascii
		$m5 = "mining.set_difficulty" ascii
		$x1 = "\"method\": \"login\"" ascii
		$x2 = "\"method\":\"login\"" ascii
		$x3 = "\"method\":\"submit\"" ascii
		$x4 = "\"method\": \"submit\"" ascii
	condition:
		3 of ($m*) or (1 of ($x1, $x2) and 1 of ($x3, $x4))
}

rule miner_competitor_killer
{
	meta:
		description = "Script that kills competing miners (Kinsing, TeamTNT, WatchDog, 8220 gang all do)"
		severity = "critical"
		family = "miner-dropper"
		reference = "https://unit42.paloaltonetworks.com/watchdog-cryptojacking/"
	strings:
		$k1 = "pkill" ascii
		$k2 = "kill -9" ascii
		$k3 = "killall" ascii
		$n1 = "kdevtmpfsi" ascii
		$n2 = "kinsing" ascii
		$n3 = "xmrig" ascii nocase
		$n4 = "minerd" ascii
		$n5 = "kworkerds" ascii
		$n6 = "sysupdate" ascii
		$n7 = "networkservice" ascii
		$n8 = "ddgs" ascii
		$n9 = "qW3xT" ascii
		$n10 = "t00ls" ascii
		$n11 = "xmr-stak" ascii
		$n12 = "cryptonight" ascii
		$n13 = "kthreaddi" ascii
		$n14 = "dbused" ascii
	condition:
		filesize < 2MB and not is_elf and 1 of ($k*) and 4 of ($n*)
}

rule kinsing_malware
{
	meta:
		description = "Kinsing / h2miner Go bot"
		severity = "critical"
		family = "kinsing"
		follows = "signature-base crime_h2miner_kinsing (Tony Lambert, Red Canary, DRL 1.1)"
		reference = "https://redcanary.com/blog/kinsing-malware-citrix-saltstack/"
	strings:
		$s1 = "-iL $INPUT --rate $RATE -p$PORT -oL $OUTPUT" ascii
		$s2 = "main.backconnect" ascii
		$s3 = "main.masscan" ascii
		$s4 = "main.checkHealth" ascii
		$s5 = "main.redisBrute" ascii
		$s6 = "ActiveC2CUrl" ascii
		$s7 = "main.RC4" ascii
		$s8 = "main.runTask" ascii
	condition:
		is_elf and 4 of them
}

rule kinsing_dropper_script
{
	meta:
		description = "Kinsing / h2miner dropper script (d.sh, spr.sh)"
		severity = "critical"
		family = "kinsing"
		reference = "https://www.trendmicro.com/en_us/research/20/k/analysis-of-kinsing-malware-s-use-of-rootkit.html"
	strings:
		$a1 = "kdevtmpfsi" ascii
		$a2 = "kinsing" ascii
		$b1 = "curl" ascii
		$b2 = "wget" ascii
		$c1 = "chmod +x" ascii
		$c2 = "chmod 777" ascii
		$c3 = "crontab" ascii
	condition:
		filesize < 1MB and not is_elf and 1 of ($a*) and 1 of ($b*) and 1 of ($c*)
}

rule teamtnt_tooling
{
	meta:
		description = "TeamTNT attack scripts (credential theft, process hiding, miner deployment)"
		severity = "critical"
		family = "teamtnt"
		reference = "https://www.trendmicro.com/en_us/research/21/e/teamtnt-targets-kubernetes--nearly-50-000-ips-compromised.html"
	strings:
		$t1 = "teamtnt" ascii nocase
		$t2 = "TNTcurl" ascii
		$t3 = "tntrecht" ascii nocase
		$h1 = "libprocesshider" ascii
		$h2 = "/etc/ld.so.preload" ascii
		$h3 = "diamorphine" ascii nocase
		$h4 = "punk.py" ascii
		$c1 = ".aws/credentials" ascii
		$c2 = ".docker/config.json" ascii
		$m1 = "xmrig" ascii nocase
		$m2 = "masscan" ascii
		$m3 = "zgrab" ascii
	condition:
		filesize < 2MB and not is_elf and (1 of ($t*) or (2 of ($h*) and 1 of ($m*)) or
			(1 of ($c*) and 1 of ($h*) and 1 of ($m*)))
}

rule watchdog_miner_dropper
{
	meta:
		description = "WatchDog cryptojacking dropper (sysupdate, networkservice, sysguard)"
		severity = "critical"
		family = "watchdog"
		reference = "https://unit42.paloaltonetworks.com/watchdog-cryptojacking/"
	strings:
		$a1 = "sysupdate" ascii
		$a2 = "networkservice" ascii
		$a3 = "sysguard" ascii
		$a4 = "kthrotlds" ascii
		$a5 = "watchdogs" ascii
		$b1 = "chattr" ascii
		$b2 = "crontab" ascii
		$b3 = "curl" ascii
		$b4 = "wget" ascii
	condition:
		filesize < 2MB and 3 of ($a*) and 2 of ($b*)
}

rule gang8220_tooling
{
	meta:
		description = "8220 gang tooling (PwnRig miner, Tsunami bot, ldr.sh loader)"
		severity = "critical"
		family = "8220"
		reference = "https://www.sentinelone.com/labs/8220-gang-cloud-botnet-targets-misconfigured-cloud-workloads/"
	strings:
		$p1 = "pwnrig" ascii nocase
		$p2 = "PwnRig" ascii
		$l1 = "ldr.sh" ascii
		$l2 = "xms" ascii fullword
		$l3 = "tsunami" ascii nocase
		$l4 = "scan.sh" ascii
		$d1 = "curl" ascii
		$d2 = "wget" ascii
	condition:
		filesize < 4MB and (1 of ($p*) or (2 of ($l*) and 1 of ($d*)))
}
