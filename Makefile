# SPDX-License-Identifier: GPL-2.0
#
# Building and installing (on the machine that will load the modules):
#   make [KDIR=...]     build virt.ko and virt-full/virt_full.ko against KDIR
#                       (default: the running kernel's headers)
#   make install        modules_install into /lib/modules/KVER/updates + depmod,
#                       the man page virt(4) into MANDIR/man4, and the CNI
#                       plugin (make install-cni)
#   make uninstall      the reverse
#   make iproute2       iproute2/link_virt.so, so that ip knows the kind's
#                       options (mode mirror, mirror-tx, forward)
#   make install-iproute2  into ip's plugin directory
#   make dkms-install   register with DKMS, build and install for this kernel,
#                       and the man page
#   make dkms-remove    the reverse, for every kernel
#   make deb            ../virt-dkms_VERSION_all.deb (a DKMS package)
#   make cni            cni/virt, the CNI plugin (needs libmnl-dev and
#                       libjansson-dev); make install-cni puts it in CNI_DIR
#                       (/usr/lib/cni, where Debian's runtimes look; give
#                       CNI_DIR=/opt/cni/bin for Kubernetes' convention)
#   make cni-fuzz       cni/fuzz-conf, its parser under libFuzzer, ASan, UBSan
#   make examples       examples/virt-frames: your own program on a child's
#                       frames (a TPACKET_V3 ring; see its header)
#   make clean
#
# Testing (nothing is loaded into this machine's kernel: VMs do it):
#   make demo           the article's scenario in a VM, with its tcpdump output
#   make check          the whole test suite on Debian 12's kernels (6.1,
#                       6.12) and Debian 13's (6.12+deb13), under KVM if it
#                       works here, else TCG; says first what the last run
#                       took (VIRT_KERNELS="6.1 6.12 debug" adds the debug
#                       kernel; scripts/check --kernel BZIMAGE, your own)
#   make check-debug    the suite on the debug kernel (KASAN, lockdep,
#                       kmemleak, UBSAN), stress tests at full count
#   make check-matrix   the suite on Debian 5.10, 6.1, 6.12, 6.12+deb13 and 7.2
#   make check-install  make install, DKMS and the .deb, in a VM of the host's
#                       own release's 6.12 (+deb12 on Debian 12, +deb13 on 13)
#   make lint           checkpatch --strict (the ip and CNI plugins too),
#                       sparse and W=1 on every kernel, and no locking
#                       comment without its assertion (scripts/lint
#                       --rules-only: that alone)
#   make bench          virt against the bare parent, ipvlan and macvlan
#
# kbuild reads ./Kbuild for the modules themselves; this file is the user's.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
# Where ip looks for link_<kind>.so (Debian: the multiarch library dir).
IP_LIB_DIR ?= $(shell dir=$$(strings $$(command -v ip) 2>/dev/null | \
		grep -m1 '^/usr/lib.*/ip$$'); echo $${dir:-/usr/lib/ip})
DKMS_SRC := /usr/src/virt-$(VERSION)
# man/virt.4 goes to $(DESTDIR)$(MANDIR)/man4 (the .deb's to /usr/share/man).
MANDIR ?= /usr/local/share/man
MODDIR := /lib/modules/$(KVER)/updates
CNI_DIR ?= /usr/lib/cni
CNI_OUT ?= cni
CNI_SRCS := cni/main.c cni/conf.c cni/ipam.c cni/nl.c cni/result.c
CNI_WARN := -Wall -Wextra -Wno-unused-parameter
# The Debian kernel of this host's own release that check-install tests
# (DKMS needs its headers usable here): Debian 13's on trixie, else 12's.
HOST_KERNEL := $(shell . /etc/os-release 2>/dev/null; \
	[ "$$VERSION_CODENAME" = trixie ] && echo 6.12+deb13 || echo 6.12)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# With DESTDIR (a staged install, for a package) everything goes under it,
# and depmod is left to the package's scripts. The man page last: a failed
# build leaves nothing installed.
install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		INSTALL_MOD_PATH=$(DESTDIR) modules_install
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)
	$(MAKE) install-man install-cni

# Where modules_install put them (virt-full/ kept or not, compressed or not);
# not updates/dkms/, which is DKMS's. The man page is shared with
# dkms-install: whichever of the two is removed first takes it.
uninstall: uninstall-man uninstall-cni
	rm -f $(DESTDIR)$(MODDIR)/virt.ko* $(DESTDIR)$(MODDIR)/virt_full.ko* \
		$(DESTDIR)$(MODDIR)/virt-full/virt_full.ko*
	rmdir $(DESTDIR)$(MODDIR)/virt-full 2>/dev/null || true
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)

install-man:
	install -D -m 0644 man/virt.4 $(DESTDIR)$(MANDIR)/man4/virt.4

uninstall-man:
	rm -f $(DESTDIR)$(MANDIR)/man4/virt.4

iproute2: iproute2/link_virt.so

iproute2/link_virt.so: iproute2/link_virt.c iproute2/ip_exports.h virt-full/uapi.h
	$(CC) -O2 -Wall -Wextra -Wno-unused-parameter -shared -fPIC -o $@ $<

install-iproute2: iproute2/link_virt.so
	install -D -m 0644 $< $(DESTDIR)$(IP_LIB_DIR)/link_virt.so

cni: $(CNI_OUT)/virt

$(CNI_OUT)/virt: $(CNI_SRCS) cni/cni.h virt-full/uapi.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -O2 $(CNI_WARN) $(LDFLAGS) -o $@ $(CNI_SRCS) \
		-lmnl -ljansson

install-cni: $(CNI_OUT)/virt
	install -D -m 0755 $< $(DESTDIR)$(CNI_DIR)/virt

uninstall-cni:
	rm -f $(DESTDIR)$(CNI_DIR)/virt

cni-fuzz: $(CNI_OUT)/fuzz-conf

$(CNI_OUT)/fuzz-conf: cni/fuzz-conf.c cni/conf.c cni/cni.h
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(CNI_WARN) -o $@ \
		cni/fuzz-conf.c cni/conf.c -ljansson

examples: examples/virt-frames

examples/virt-frames: examples/virt-frames.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -O2 -Wall -Wextra $(LDFLAGS) -o $@ $<

dkms-install:
	mkdir -p $(DKMS_SRC)
	cp -r Kbuild Makefile dkms.conf compat.h stacked.h stacked.c virt.c virt-full \
		$(DKMS_SRC)/
	dkms add -m virt -v $(VERSION)
	dkms install -m virt -v $(VERSION) -k $(KVER)
	$(MAKE) install-man

dkms-remove:
	dkms remove -m virt -v $(VERSION) --all
	rm -rf $(DKMS_SRC)
	rm -f $(DESTDIR)$(MANDIR)/man4/virt.4

deb:
	dpkg-buildpackage -us -uc -b

check:
	scripts/check

check-debug:
	VIRT_STRESS=full scripts/check -k debug

check-matrix:
	scripts/check -k 5.10 -k 6.1 -k 6.12 -k 6.12+deb13 -k 7.2

check-install:
	scripts/check -k $(HOST_KERNEL) tests/install.sh

lint:
	scripts/lint

bench:
	scripts/bench

demo:
	scripts/demo

clean:
	rm -rf *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers \
		virt-full/*.o virt-full/*.ko virt-full/*.mod virt-full/*.mod.c \
		virt-full/.*.cmd virt-full/modules.order .tmp_versions \
		iproute2/link_virt.so examples/virt-frames cni/virt cni/fuzz-conf

.PHONY: all modules install uninstall install-man uninstall-man iproute2 install-iproute2 examples \
	cni install-cni uninstall-cni cni-fuzz \
	dkms-install dkms-remove deb check check-debug check-matrix check-install lint bench demo clean
