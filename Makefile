# SPDX-License-Identifier: GPL-2.0
#
#   make [KDIR=...]   build virt.ko and virt-full/virt_full.ko against KDIR
#                     (default: the running kernel's headers)
#   make check        the whole test suite, in VMs, on Debian 6.1 and 6.12
#                     (VIRT_KERNELS="6.1 6.12 debug" adds the debug kernel)
#   make check-debug  the suite on the debug kernel (KASAN, lockdep,
#                     kmemleak, UBSAN), stress tests at full count
#   make demo         the article's scenario in a VM, with its tcpdump output
#   make clean
#
# kbuild reads ./Kbuild for the module itself; this file is the user's.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

check:
	scripts/check

check-debug:
	VIRT_STRESS=full scripts/check -k debug

demo:
	scripts/demo

clean:
	rm -rf *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers \
		virt-full/*.o virt-full/*.ko virt-full/*.mod virt-full/*.mod.c \
		virt-full/.*.cmd virt-full/modules.order .tmp_versions

.PHONY: all modules check check-debug demo clean
