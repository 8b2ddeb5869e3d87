/*
 * permissions.c - the metadata detector: setuid/setgid files, world-writable paths,
 * device nodes shipped inside a layer, and system files owned by nobody the image's
 * etc/passwd knows. Needs no file content, only tar headers (and etc/passwd).
 */
#include "lc_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* setuid/setgid programs that distributions ship on purpose, by basename. */
static const char *const std_setid[] = {
	"passwd", "su", "mount", "umount", "chsh", "chfn", "newgrp", "gpasswd", "ping",
	"ping6", "sudo", "sudoedit", "pkexec", "expiry", "chage", "wall", "write", "crontab",
	"ssh-agent", "unix_chkpwd", "fusermount", "fusermount3", "dotlockfile", "bsd-write",
	"ssh-keysign", "dbus-daemon-launch-helper", "Xorg.wrap", "traceroute6.iputils",
	"mount.nfs", "at", "newuidmap", "newgidmap", "polkit-agent-helper-1", "staprun",
	"pam_timestamp_check", "userhelper", "busybox", NULL};

/* Directories where those programs live; the same name elsewhere is not standard. */
static const char *const std_setid_dirs[] = {
	"bin", "sbin", "usr/bin", "usr/sbin", "usr/lib/openssh", "usr/lib/dbus-1.0",
	"usr/libexec", "usr/lib/policykit-1", "usr/lib/polkit-1", "usr/lib/xorg",
	"usr/lib/eject", "usr/libexec/openssh", NULL};

/* Character devices that debootstrap-made roots carry; harmless in an image. */
static const char *const std_devices[] = {"null", "zero", "full", "random", "urandom",
					  "tty", "console", "ptmx", NULL};

/* Where an unexpected owner matters: files the system runs or trusts. */
static const char *const system_prefixes[] = {"bin/", "sbin/", "usr/bin/", "usr/sbin/",
					      "usr/lib/", "usr/lib64/", "lib/", "lib64/",
					      "etc/", "usr/libexec/", NULL};

static const char *const captures[] = {"etc/passwd", NULL};

/* Files reported per unknown uid before the rest are summed up in one finding. */
#define UID_FILES_MAX 20

static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncmp(list[i], s, n) == 0)
			return true;
	return false;
}

static bool standard_setid(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return false;
	return in_list(std_setid, slash + 1, strlen(slash + 1)) &&
	       in_list(std_setid_dirs, path, (size_t)(slash - path));
}

static lc_code emit(lc_emitter *em, const char *rule, lc_severity sev, const char *title,
		    const char *desc, const char *remed, const lc_entry *e)
{
	char ev[64];
	json_t *d = json_object();
	snprintf(ev, sizeof(ev), "%s %04o %u:%u", lc__ftype_name(e->type), e->mode & 07777,
		 e->uid, e->gid);
	json_object_set_new(d, "mode", json_sprintf("%04o", e->mode & 07777));
	json_object_set_new(d, "uid", json_integer(e->uid));
	json_object_set_new(d, "gid", json_integer(e->gid));
	json_object_set_new(d, "type", json_string(lc__ftype_name(e->type)));
	if (e->type == LC_FT_CHR || e->type == LC_FT_BLK) {
		json_object_set_new(d, "major", json_integer(e->dev_major));
		json_object_set_new(d, "minor", json_integer(e->dev_minor));
	}
	lc_finding_in f = {
		.rule_id = rule,
		.severity = sev,
		.title = title,
		.description = desc,
		.source = LC_SRC_FILE,
		.layer = -1,
		.offset = -1,
		.evidence = ev,
		.remediation = remed,
		.details = d,
	};
	return lc__emit(em, &f);
}

static lc_code perm_entry(void *shared, void *worker, lc_emitter *em, const lc_entry *e)
{
	lc_code rc = LC_OK;
	(void)shared;
	(void)worker;

	if ((e->type == LC_FT_REG || e->type == LC_FT_HARDLINK) && (e->mode & 06000)) {
		bool std = standard_setid(e->path);
		const char *kind = (e->mode & 04000) ? "setuid" : "setgid";
		char title[96];
		snprintf(title, sizeof(title), "%s %s program", std ? "standard" : "unexpected", kind);
		rc = emit(em, (e->mode & 04000) ? "perm.setuid" : "perm.setgid",
			  std ? LC_SEV_INFO : LC_SEV_HIGH, title,
			  std ? "A program that distributions ship with this bit at this path."
			      : "A program that runs with its owner's privileges, outside the set "
				"that distributions ship: a way to gain root inside the container.",
			  std ? NULL : "Remove the setuid/setgid bit (chmod u-s,g-s) or the file.", e);
		if (rc)
			goto out;
	}
	if ((e->type == LC_FT_REG || e->type == LC_FT_DIR) && (e->mode & 0002) &&
	    !(e->type == LC_FT_DIR && (e->mode & 01000))) {
		bool dir = e->type == LC_FT_DIR;
		rc = emit(em, dir ? "perm.world_writable_dir" : "perm.world_writable_file",
			  LC_SEV_MEDIUM,
			  dir ? "world-writable directory without the sticky bit"
			      : "world-writable file",
			  dir ? "Any user can add, replace or delete entries in this directory."
			      : "Any user in the container can change this file.",
			  dir ? "chmod o-w, or add the sticky bit (chmod +t) for a shared directory."
			      : "chmod o-w.",
			  e);
		if (rc)
			goto out;
	}
	if (e->type == LC_FT_CHR || e->type == LC_FT_BLK) {
		bool std = e->type == LC_FT_CHR && strncmp(e->path, "dev/", 4) == 0 &&
			   !strchr(e->path + 4, '/') &&
			   in_list(std_devices, e->path + 4, strlen(e->path + 4));
		rc = emit(em, e->type == LC_FT_BLK ? "perm.block_device" : "perm.char_device",
			  std ? LC_SEV_LOW : LC_SEV_HIGH,
			  std ? "standard character device in a layer"
			      : "device node in a layer",
			  std ? "Root filesystems made by debootstrap carry these; the runtime "
				"provides its own /dev."
			      : "A device node such as a disk or kernel memory gives direct access to "
				"the host's hardware when the container is privileged.",
			  std ? NULL : "Remove the device node from the image.", e);
	}
out:
	return rc;
}

/* uids named by etc/passwd; NULL when the image has none (then nothing is judged). */
static bool *passwd_uids(const lc_view *v, size_t max)
{
	size_t len = 0;
	const uint8_t *p = lc__view_capture(v, "etc/passwd", &len, NULL);
	if (!p)
		return NULL;
	bool *known = calloc(max, sizeof(bool));
	if (!known)
		return NULL;
	const char *s = (const char *)p, *end = s + len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;
		/* name:pw:uid:... */
		const char *c1 = memchr(s, ':', (size_t)(le - s));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;
		if (c2) {
			unsigned long uid = strtoul(c2 + 1, NULL, 10);
			if (uid < max)
				known[uid] = true;
		}
		s = le + 1;
	}
	return known;
}

static bool system_path(const char *p)
{
	for (size_t i = 0; system_prefixes[i]; i++)
		if (strncmp(p, system_prefixes[i], strlen(system_prefixes[i])) == 0)
			return true;
	return false;
}

#define UID_TABLE 65536

static lc_code perm_image(void *shared, lc_emitter *em, const lc_view *v)
{
	lc_code rc = LC_OK;
	bool *known = NULL;
	uint16_t *reported = NULL;
	(void)shared;

	known = passwd_uids(v, UID_TABLE);
	if (!known)
		goto out;
	reported = calloc(UID_TABLE, sizeof(*reported));
	if (!reported) {
		rc = LC_EINTERNAL;
		goto out;
	}
	size_t n = lc__fileidx_count(v->files);
	for (size_t i = 0; i < n; i++) {
		const lc_fileinfo *fi = lc__fileidx_get(v->files, i);
		if (fi->removed_in >= 0 || fi->type == LC_FT_WHITEOUT || fi->type == LC_FT_OPAQUE ||
		    fi->uid == 0 || !system_path(fi->path))
			continue;
		if (fi->uid < UID_TABLE && known[fi->uid])
			continue;
		uint32_t slot = fi->uid < UID_TABLE ? fi->uid : UID_TABLE - 1;
		if (reported[slot] >= UID_FILES_MAX) {
			if (reported[slot] < UINT16_MAX)
				reported[slot]++;
			continue;
		}
		reported[slot]++;
		char ev[48], title[96];
		snprintf(ev, sizeof(ev), "uid %u", fi->uid);
		snprintf(title, sizeof(title), "system file owned by unknown uid %u", fi->uid);
		json_t *d = json_object();
		json_object_set_new(d, "uid", json_integer(fi->uid));
		json_object_set_new(d, "gid", json_integer(fi->gid));
		lc_finding_in f = {
			.rule_id = "perm.unknown_owner",
			.severity = LC_SEV_LOW,
			.title = title,
			.description = "No etc/passwd entry of the image names this owner: the files "
				       "were copied in from the build host or another image.",
			.source = LC_SRC_FILE,
			.layer = fi->layer,
			.path = fi->path,
			.offset = -1,
			.evidence = ev,
			.remediation = "chown the files to root (or a user the image defines).",
			.details = d,
		};
		rc = lc__emit(em, &f);
		if (rc)
			goto out;
	}
	for (uint32_t uid = 0; uid < UID_TABLE; uid++) {
		if (reported[uid] <= UID_FILES_MAX)
			continue;
		char msg[160];
		snprintf(msg, sizeof(msg), "%u more system files owned by unknown uid %u",
			 (unsigned)(reported[uid] - UID_FILES_MAX), uid);
		lc__scan_warn(em->scan, "perm.unknown_owner_more", -1, NULL, "%s", msg);
	}
out:
	free(known);
	free(reported);
	return rc;
}

const lc_detector lc__det_permissions = {
	.name = "permissions",
	.description = "setuid/setgid files, world-writable paths, device nodes, files owned "
		       "by unknown users",
	.wants = LC_WANT_META,
	.capture = captures,
	.on_entry = perm_entry,
	.on_image = perm_image,
};
