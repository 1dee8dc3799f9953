# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# vmcsctl: the two commands of the README are `make run` and `make test`.
# Everything generated goes to build/.

BUILD	:= build
SELFTEST := tools/testing/selftests/vmcsctl
EXTRA	?=
# Knobs of scripts/boot.sh, e.g. make test EMU=qemu.  BASE (a base of
# scripts/bases; the first, the primary, by default) and ARCH=x86_64
# (default) or i386 select the series and the kernel of make kernel, patches
# and check; make test runs every target that matches them (every target of
# scripts/bases without either).  EXTRA: programs for make boot, or added to
# make test's first x86_64 main boot.
export EMU CPUS MEGS TIMEOUT STALL KCMDLINE ARCH BASE EXTRA

.PHONY: all setup kernel run test bench boot patches check clean

all: run

setup:
	scripts/setup.sh

kernel: setup
	scripts/kernel.sh

$(BUILD)/demo/vmcsctl-demo: scripts/demo/vmcsctl-demo.c $(SELFTEST)/vm.c $(SELFTEST)/vm.h kernel
	mkdir -p $(dir $@)
	gcc -static -O2 -Wall -Wextra -D_GNU_SOURCE -I$(SELFTEST) -isystem $(BUILD)/obj/usr/include \
		-o $@ scripts/demo/vmcsctl-demo.c $(SELFTEST)/vm.c

# The main job: boot the patched kernel, start a small VM, show vmcsctl and
# vmcsctl(8), inject a fault through it (writes enabled for this boot only).
# The console and kernel log stay in build/boot/; printed only on failure.
run: kernel $(BUILD)/demo/vmcsctl-demo
	QUIET=1 TOOLS=$(BUILD)/vmcsctl/vmcsctl MODULES="kvm_intel vmcsctl_write=1" \
		scripts/boot.sh $(BUILD)/demo/vmcsctl-demo

# Every test: per target of scripts/bases the kernel and the selftests
# inside the booted kernel, per base the checks of its series, vmcsctl(8)'s
# unit tests once; builds on one lane, boots beside them on the other.
test: setup
	scripts/test.sh

# What vmcsctl costs: ratios against KVM_GET_REGS and against a =n twin kernel.
bench: kernel
	scripts/bench.sh

# The mailing-list series of BASE, regenerated from series/ and the sources
# into patches/$(BASE)/; without BASE, both.
patches: setup
	scripts/patches.sh

check: setup
	scripts/check.sh

# Any static program, run the same way: make boot EXTRA="prog1 prog2:arg1,arg2"
boot: kernel
	@test -n "$(EXTRA)" || { echo 'usage: make boot EXTRA="path/to/static-binary[:arg,arg] ..."'; exit 2; }
	scripts/boot.sh $(EXTRA)

clean:
	rm -rf $(BUILD)
