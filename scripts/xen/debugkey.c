// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Send Xen debug keys from dom0: XEN_SYSCTL_debug_keys via /dev/xen/privcmd.
 * Layout from xen/include/public/sysctl.h: XEN_SYSCTL_INTERFACE_VERSION is
 * 0x15 in 4.17..4.20 (default here), 0x16 in 4.21: pass -i 0x16 there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

struct privcmd_hypercall { uint64_t op; uint64_t arg[5]; };
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define __HYPERVISOR_sysctl 35
#define XEN_SYSCTL_debug_keys 7

struct xen_sysctl {
	uint32_t cmd;
	uint32_t interface_version;
	union {
		struct { uint64_t keys; uint32_t nr_keys; } debug_keys;
		uint8_t pad[128];
	} u;
} __attribute__((aligned(8)));

int main(int argc, char **argv)
{
	unsigned int ver = 0x15;
	int opt;
	while ((opt = getopt(argc, argv, "i:")) != -1)
		if (opt == 'i') ver = strtoul(optarg, NULL, 0);
	const char *keys = optind < argc ? argv[optind] : "v";
	size_t n = strlen(keys);
	/* page-aligned, locked buffers so Xen can copy from them */
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	if (page == MAP_FAILED) { perror("mmap"); return 1; }
	memset(page, 0, 8192);
	struct xen_sysctl *sc = (struct xen_sysctl *)page;
	char *kbuf = page + 4096;
	memcpy(kbuf, keys, n);
	sc->cmd = XEN_SYSCTL_debug_keys;
	sc->interface_version = ver;
	sc->u.debug_keys.keys = (uintptr_t)kbuf;
	sc->u.debug_keys.nr_keys = n;
	int fd = open("/dev/xen/privcmd", O_RDWR);
	if (fd < 0) { perror("open /dev/xen/privcmd"); return 1; }
	struct privcmd_hypercall h = { .op = __HYPERVISOR_sysctl, .arg = { (uintptr_t)sc } };
	long rc = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
	printf("xendebugkey: keys '%s' interface 0x%x -> rc %ld errno %d (%s)\n",
	       keys, ver, rc, rc < 0 ? errno : 0, rc < 0 ? strerror(errno) : "ok");
	return rc < 0;
}
