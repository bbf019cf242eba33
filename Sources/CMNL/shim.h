// SPDX-License-Identifier: Apache-2.0
// Peerlet: libmnl for Swift. Only NetlinkMNL imports this module. Keep it to libmnl and the netlink uapi headers:
// system headers included here would clash with Glibc's module.
#ifndef PEERLET_CMNL_SHIM_H
#define PEERLET_CMNL_SHIM_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/// setns(2) and CLONE_NEWNET (declared here: sched.h needs _GNU_SOURCE, which Glibc's module is not built with).
extern int setns(int fd, int nstype);
static inline int peerlet_enter_netns(int fd) { return setns(fd, 0x40000000 /* CLONE_NEWNET */); }

/// The buffer size libmnl recommends for receiving (a macro calling sysconf, so Swift cannot import it).
static inline size_t peerlet_mnl_socket_buffer_size(void) { return MNL_SOCKET_BUFFER_SIZE; }

/// recvmmsg(2) and its structures, for LP64 Linux (declared here for the same reason as setns; named apart from
/// glibc's declaration through an asm label so the two never clash). Reads many acknowledgements per system call.
struct peerlet_iovec { void *base; unsigned long length; };
struct peerlet_msghdr {
    void *name; unsigned int name_length;
    struct peerlet_iovec *iov; unsigned long iov_count;
    void *control; unsigned long control_length;
    int flags;
};
struct peerlet_mmsghdr { struct peerlet_msghdr header; unsigned int length; };
extern int peerlet_recvmmsg(int fd, struct peerlet_mmsghdr *messages, unsigned int count, int flags, void *timeout)
    __asm__("recvmmsg");

#endif
