// SPDX-License-Identifier: GPL-2.0
/*
 * abi-version: open /dev/machipc and print what MACHIPC_IOC_VERSION says.
 * The smallest possible check that the module is loaded and answers; `make
 * run` falls back to it while tools/demo/machipc-demo does not exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/machipc.h>

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/machipc";
	struct machipc_version v;
	int fd;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "abi-version: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	memset(&v, 0xff, sizeof(v));
	if (ioctl(fd, MACHIPC_IOC_VERSION, &v) < 0) {
		fprintf(stderr, "abi-version: MACHIPC_IOC_VERSION: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	printf("machipc ABI version %u (header %u), max_inline %u bytes, chunk_pages %u, cost_copy %u bytes\n",
	       v.abi_version, MACHIPC_ABI_VERSION, v.max_inline, v.chunk_pages,
	       v.cost_copy);
	if (v.abi_version != MACHIPC_ABI_VERSION || !v.chunk_pages ||
	    v.cost_copy < v.chunk_pages * sizeof(void *)) {
		fprintf(stderr, "abi-version: unexpected answer\n");
		return 1;
	}
	return 0;
}
