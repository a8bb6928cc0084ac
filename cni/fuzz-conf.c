// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer's entry: the parser of what reaches the plugin from outside,
 * a network configuration on stdin with a prevResult in it, built with
 * AddressSanitizer and UBSan (make cni-fuzz; tests/cni-plugin.sh runs it).
 */
#include "cni.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct cni_result res;
	struct cni_conf conf;
	struct cni_err err = {};

	if (!cni_conf_parse((const char *)data, size, &conf, &err) &&
	    conf.prev_result &&
	    !cni_result_parse(conf.prev_result, "prevResult", "eth0", &res,
			      &err))
		cni_result_free(&res);
	cni_conf_free(&conf);
	return 0;
}
