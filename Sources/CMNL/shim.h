// SPDX-License-Identifier: Apache-2.0
// Peerlet: libmnl for Swift. Only NetlinkMNL imports this module.
#ifndef PEERLET_CMNL_SHIM_H
#define PEERLET_CMNL_SHIM_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <errno.h>

/// The buffer size libmnl recommends for receiving (a macro calling sysconf, so Swift cannot import it).
static inline size_t peerlet_mnl_socket_buffer_size(void) { return MNL_SOCKET_BUFFER_SIZE; }

#endif
