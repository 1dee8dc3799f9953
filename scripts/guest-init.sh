#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# /init of the test initramfs: run every program listed in /run.list, print
# markers the host parses (scripts/boot.sh), dump dmesg, power off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp

# Guest time runs slower than wall time under Bochs: report a blocked task
# after 10 guest seconds, not 120.
echo 10 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null

while read -r m params; do
	[ -n "$m" ] || continue
	# shellcheck disable=SC2086
	modprobe "$m" $params || echo "@@ insmod $m failed"
done </modules.list

echo "@@ booted $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"vmx=$(grep -cw vmx /proc/cpuinfo) kvm=$([ -c /dev/kvm ] && echo yes || echo no)"

while read -r prog args; do
	[ -n "$prog" ] || continue
	name=$(basename "$prog")
	echo "@@ run $name"
	t0=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck disable=SC2086
	"$prog" $args
	rc=$?
	echo "@@ exit $name $rc $t0 $(cut -d' ' -f1 /proc/uptime)"
done < /run.list

echo "@@ dmesg begin"
# Without the line DEBUG_KOBJECT_RELEASE logs for every kobject release
# (7.3 logs it at KERN_INFO, hundreds per boot): the emulated UART sends
# about a line a second once the boot is over.
dmesg | grep -v '): kobject_release, parent '
echo "@@ dmesg end"
echo "@@ done"
# Power off only once the UART has sent everything: unsent console output
# is lost at power-off.  The count must stand still for two seconds.
sent= still=0
while [ "$still" -lt 2 ]; do
	now=$(grep -o 'tx:[0-9]*' /proc/tty/driver/serial | head -n 1)
	if [ "$now" = "$sent" ]; then still=$((still + 1)); else still=0; fi
	sent=$now
	sleep 1
done
poweroff -f
