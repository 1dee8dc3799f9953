#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Real Xen VMCS dumps for vmcsctl explain's tests: boot Debian's Xen (4.17
# from Debian 12, or XENVER=4.20 from Debian 13) with a PVH dom0 (Debian
# 12's kernel) under Bochs' emulated VMX, and have Xen print
# vmcs_dump_vcpu() for its debug key 'v' three times: twice from dom0
# (XEN_SYSCTL_debug_keys through /dev/xen/privcmd, debugkey.c: the calling
# vCPU, at its VMCALL exit), once typed on the serial line (Ctrl-A x3, v)
# while dom0 sleeps (the vCPU at a HLT exit).  The serial console, without
# CRs, goes to $LOG; tools/kvm/vmcsctl/tests/logs/xen-4.17.log is such a
# log, blanks at line ends dropped.  A boot takes 4 to 6 minutes.
#
# Why these options (each met under Bochs 2.7): GRUB's multiboot2 triple
# faults after it sets a VBE mode, plain multiboot works; Xen's x2APIC
# cluster mode BUG()s on the logical APIC ID Bochs reads back
# (x2apic_phys=1); a PVH dom0 wants an IOMMU, Bochs has none
# (dom0-iommu=none); without sync_console the console stops mid-line; a
# dom0 with 2 vCPUs hangs at "Booting SMP configuration" (DOM0_VCPUS=1).
#
# Env: W (work folder, build/xen), XENVER (4.17 | 4.20), CPUS (emulated
# CPUs, 2), DOM0_VCPUS (1), MEGS (1024), TIMEOUT (wall s, 3000), STALL (wall
# s of silence before the keys are typed anyway, 300), PORT (serial TCP
# port, a free one), XENCMD_EXTRA, LOG (the log, $W/xen-$XENVER.log).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
W=${W:-$HERE/../../build/xen}; XENVER=${XENVER:-4.17}; PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}; STALL=${STALL:-300}; CPUS=${CPUS:-2}; MEGS=${MEGS:-1024}; TIMEOUT=${TIMEOUT:-3000}
mkdir -p "$W"/{debs,k,src} && W=$(cd "$W" && pwd) && cd "$W"
LOG=${LOG:-$W/xen-$XENVER.log}

# 0. What it runs, from Debian 12.
need=()
for p in bochs:bochs bochsbios:/usr/share/bochs/BIOS-bochs-latest vgabios:/usr/share/vgabios/vgabios.bin \
	grub-pc-bin:/usr/lib/grub/i386-pc grub-common:grub-mkrescue xorriso:xorriso mtools:mformat \
	cpio:cpio busybox-static:/bin/busybox gcc:gcc libc6-dev:/usr/lib/x86_64-linux-gnu/libc.a \
	python3:python3; do
	f=${p#*:}
	[ -e "$f" ] || command -v "$f" >/dev/null || need+=("${p%%:*}")
done
[ ${#need[@]} -eq 0 ] || apt-get install -y -q "${need[@]}"

# 1. Prebuilt Debian binaries: Xen $XENVER (4.17 from bookworm, the host's
# apt sources; 4.20 from trixie through a private apt config), and
# bookworm's 6.1 kernel as dom0 for both.
if [ ! -f x$XENVER/boot/xen-$XENVER-amd64.gz ]; then
	if [ "$XENVER" = 4.17 ]; then
		(cd debs && apt-get download -q -o APT::Sandbox::User=root xen-hypervisor-4.17-amd64)
	else
		A=$W/apt-trixie
		mkdir -p $A/lists/partial $A/cache/archives/partial $A/etc && touch $A/status
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >$A/etc/sources.list
		printf '%s\n' "Dir::Etc::SourceList \"$A/etc/sources.list\";" 'Dir::Etc::SourceParts "/nonexistent";' \
			"Dir::State::Lists \"$A/lists\";" "Dir::Cache \"$A/cache\";" "Dir::State::status \"$A/status\";" \
			'APT::Architecture "amd64";' >$A/apt.conf
		APT_CONFIG=$A/apt.conf apt-get update
		(cd debs && APT_CONFIG=$A/apt.conf apt-get download -q -o APT::Sandbox::User=root xen-hypervisor-$XENVER-amd64)
	fi
	mkdir -p x$XENVER && dpkg-deb -x debs/xen-hypervisor-$XENVER-amd64_*.deb x$XENVER
fi
if [ ! -d k/boot ] || ! ls k/boot/vmlinuz-* >/dev/null 2>&1; then
	KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
	(cd debs && apt-get download -q -o APT::Sandbox::User=root "$KPKG")
	dpkg-deb -x debs/"$KPKG"_*.deb k
fi
VMLINUZ=$(ls k/boot/vmlinuz-* | head -n1)
KVER=${VMLINUZ##*/vmlinuz-}

# 2. The debug-key sender (XEN_SYSCTL_debug_keys through /dev/xen/privcmd).
nice -n 19 gcc -static -O2 -Wall -o src/xendebugkey "$HERE/debugkey.c"

# 3. Initramfs: busybox, xen-privcmd.ko, the sender, /init.
rm -rf ir iso && mkdir -p ir/{bin,dev,proc,sys,lib/modules} iso/boot/grub
cp /bin/busybox ir/bin/busybox
cp k/lib/modules/"$KVER"/kernel/drivers/xen/xen-privcmd.ko ir/lib/modules/
cp src/xendebugkey ir/bin/
cat >ir/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
echo "@@ dom0 init up: $(uname -r), $(nproc) vCPUs"
grep -m1 -o 'vmx\|hypervisor' /proc/cpuinfo | head -n 2
insmod /lib/modules/xen-privcmd.ko && echo "@@ privcmd loaded"
ls -l /dev/xen/
echo "@@ sending debug key v"
xendebugkey v
echo "@@ sending debug keys again: v"
xendebugkey v
echo "@@ idle: dom0 sleeps; the serial client types Ctrl-A x3 + v now"
sleep 15
echo "@@ done"
sync
poweroff -f
INIT
chmod +x ir/init
(cd ir && find . | cpio -o -H newc --quiet | gzip -1) >iso/boot/initrd.gz

# 4. GRUB ISO: Xen via multiboot2, dom0 kernel and initrd as modules.
cp x$XENVER/boot/xen-$XENVER-amd64.gz iso/boot/xen.gz
cp "$VMLINUZ" iso/boot/vmlinuz
XENCMD="console=com1 com1=115200,8n1 sync_console loglvl=all guest_loglvl=all dom0=pvh dom0-iommu=none iommu=0 dom0_mem=512M,max:512M dom0_max_vcpus=${DOM0_VCPUS:-1} noreboot x2apic_phys=1 ${XENCMD_EXTRA:-}"
cat >iso/boot/grub/grub.cfg <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_output serial console
menuentry 'Xen PVH dom0' {
	multiboot /boot/xen.gz $XENCMD
	module /boot/vmlinuz console=hvc0 earlyprintk=xen loglevel=7 rdinit=/init
	module /boot/initrd.gz
}
CFG
nice -n 19 grub-mkrescue -o boot.iso iso 2>grub-mkrescue.log

# 5. Bochs with emulated VMX (same CPU model as the project's scripts/boot.sh).
cat >bochsrc <<RC
megs: $MEGS
cpu: model=corei7_skylake_x, count=$CPUS, ips=400000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$W/boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=socket-server, dev=localhost:$PORT
clock: sync=none
panic: action=fatal
display_library: rfb, options="timeout=0"
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
log: $W/bochs.log
RC
echo c >continue.rc
rm -f serial.out serial.in
start=$(date +%s)
nice -n 19 timeout "$TIMEOUT" bochs -q -f bochsrc -rc continue.rc </dev/null >bochs.stdout 2>&1 &
BPID=$!
# The serial line: log the output, and type Ctrl-A x3 + 'v' on Xen's console
# if the boot goes silent for STALL s (keys can also be appended to serial.in).
python3 "$HERE/serialclient.py" "$PORT" serial.out serial.in --stall "$STALL" --keys v --trigger "@@ idle" &
CPID=$!
# Stop as soon as dom0 reports done (plus a few seconds to flush), or on timeout.
while kill -0 $BPID 2>/dev/null; do
	if grep -qa -e '@@ done' -e 'Panic on CPU' -e 'Manual reset required' serial.out 2>/dev/null; then
		sleep 20; kill $BPID 2>/dev/null || true; break
	fi
	sleep 5
done
wait $BPID 2>/dev/null || true
kill $CPID 2>/dev/null || true
echo "wall seconds: $(( $(date +%s) - start ))"
tr -d '\r' <serial.out >"$LOG"
grep -c '\*\*\* Guest State \*\*\*' "$LOG" || true
