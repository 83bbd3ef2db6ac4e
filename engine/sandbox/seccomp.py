"""The system calls a sandboxed job may not make, as a seccomp BPF program for bubblewrap
(`--seccomp FD`) and as a Docker seccomp profile. One deny list for both backends.

Why a deny list and not an allow list: Python, numpy and pandas make a wide, version-
dependent set of calls; an allow list that misses one fails honest strategies in ways no
one can read. The list below is what Docker's default profile refuses an unprivileged
container, plus ptrace and its relatives (the default allows them, and a job used ptrace
on its sandbox's pid 1 to outlive its time limit). Refused calls fail with EPERM; clone3
fails with ENOSYS, so the C library falls back to clone, whose flags the filter can read
(a new namespace of any kind is refused there). Written by hand (no libseccomp binding is
installed with the worker): the kernel's BPF format is small and stable.
"""

from __future__ import annotations

import errno
import json
import platform
import struct

DENIED = (
    # Tracing another process, or reading and writing its memory or descriptors.
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    # New namespaces and mounts (clone's namespace flags are checked separately).
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    # Kernel keyrings, BPF programs, performance counters, userfaultfd, io_uring.
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    # The machine itself: modules, kexec, reboot, swap, clocks, accounting, quotas, logs.
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "acct",
    "quotactl", "quotactl_fd", "syslog", "vhangup", "lookup_dcookie",
    "name_to_handle_at", "open_by_handle_at", "mbind", "set_mempolicy", "move_pages",
    "ioperm", "iopl", "uselib", "ustat", "sysfs", "_sysctl",
)

# clone's namespace flags (CLONE_NEWTIME only exists for clone3 and unshare, both refused).
CLONE_NAMESPACES = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000,
                    "CLONE_NEWUTS": 0x04000000, "CLONE_NEWIPC": 0x08000000,
                    "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                    "CLONE_NEWNET": 0x40000000}

# System call numbers (from the kernel's unistd headers) per architecture.
_X86_64 = {
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_getfd": 438,
    "kcmp": 312, "unshare": 272, "setns": 308, "mount": 165, "umount2": 166,
    "pivot_root": 155, "chroot": 161, "move_mount": 429, "open_tree": 428, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "keyctl": 250,
    "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298,
    "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "init_module": 175, "finit_module": 313, "delete_module": 176,
    "kexec_load": 246, "kexec_file_load": 320, "reboot": 169, "swapon": 167, "swapoff": 168,
    "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159,
    "acct": 163, "quotactl": 179, "quotactl_fd": 443, "syslog": 103, "vhangup": 153,
    "lookup_dcookie": 212, "name_to_handle_at": 303, "open_by_handle_at": 304, "mbind": 237,
    "set_mempolicy": 238, "move_pages": 279, "ioperm": 173, "iopl": 172, "uselib": 134,
    "ustat": 136, "sysfs": 139, "_sysctl": 156, "clone": 56, "clone3": 435,
}
_AARCH64 = {
    "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "pidfd_getfd": 438,
    "kcmp": 272, "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41,
    "chroot": 51, "move_mount": 429, "open_tree": 428, "fsopen": 430, "fsconfig": 431,
    "fsmount": 432, "fspick": 433, "mount_setattr": 442, "keyctl": 219, "add_key": 217,
    "request_key": 218, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "init_module": 105, "finit_module": 273, "delete_module": 106, "kexec_load": 104,
    "kexec_file_load": 294, "reboot": 142, "swapon": 224, "swapoff": 225,
    "settimeofday": 170, "clock_settime": 112, "clock_adjtime": 266, "adjtimex": 171,
    "acct": 89, "quotactl": 60, "quotactl_fd": 443, "syslog": 116, "vhangup": 58,
    "lookup_dcookie": 18, "name_to_handle_at": 264, "open_by_handle_at": 265, "mbind": 235,
    "set_mempolicy": 237, "move_pages": 239, "clone": 220, "clone3": 435,
}
# AUDIT_ARCH_* (linux/audit.h), the table, and the x32 ABI bit (x86_64 only: an x32 call
# is the same syscall under another number, so every one is refused).
ARCHES = {"x86_64": (0xC000003E, _X86_64, 0x40000000), "aarch64": (0xC00000B7, _AARCH64, None)}

# Classic BPF over struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6]}.
_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16  # args[0]'s low 32 bits (little-endian)
RET_ALLOW, RET_KILL_PROCESS, RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000


class UnsupportedArchitecture(RuntimeError):
    pass


def _arch(machine: str | None = None) -> tuple[int, dict[str, int], int | None]:
    machine = machine or platform.machine()
    if machine not in ARCHES:
        raise UnsupportedArchitecture(f"no seccomp filter for {machine} (only "
                                      f"{', '.join(ARCHES)})")
    return ARCHES[machine]


def bpf_program(machine: str | None = None) -> bytes:
    """The filter as the kernel takes it: struct sock_filter[] (u16 code, u8 jt, u8 jf,
    u32 k), native little-endian. Another architecture's calls are killed outright."""
    audit_arch, numbers, x32_bit = _arch(machine)
    denied = sorted({numbers[name] for name in DENIED if name in numbers})
    # Layout: checks first, then the four returns, so every jump is forward and short.
    body: list[tuple[int, int, int | str, int | str]] = [  # (code, k, jt, jf), labels
        (_LD_W_ABS, _OFF_ARCH, 0, 0),
        (_JEQ, audit_arch, 1, 0),
        (_RET, RET_KILL_PROCESS, 0, 0),
        (_LD_W_ABS, _OFF_NR, 0, 0),
    ]
    if x32_bit is not None:
        body.append((_JGE, x32_bit, "eperm", 0))
    body += [(_JEQ, nr, "eperm", 0) for nr in denied]
    body += [
        (_JEQ, numbers["clone3"], "enosys", 0),
        (_JEQ, numbers["clone"], 0, "allow"),
        (_LD_W_ABS, _OFF_ARG0, 0, 0),
        (_JSET, sum(CLONE_NAMESPACES.values()), "eperm", "allow"),
    ]
    labels = {"allow": len(body), "eperm": len(body) + 1, "enosys": len(body) + 2}
    body += [(_RET, RET_ALLOW, 0, 0), (_RET, RET_ERRNO | errno.EPERM, 0, 0),
             (_RET, RET_ERRNO | errno.ENOSYS, 0, 0)]
    out = bytearray()
    for i, (code, k, jt, jf) in enumerate(body):
        jumps = [labels[j] - i - 1 if isinstance(j, str) else j for j in (jt, jf)]
        if not all(0 <= j <= 255 for j in jumps):
            raise AssertionError(f"seccomp jump out of range at {i}: {jumps}")
        out += struct.pack("=HBBI", code, jumps[0], jumps[1], k)
    return bytes(out)


def docker_profile() -> str:
    """The same list as a Docker seccomp profile (JSON), allowing everything else."""
    flags = [{"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM,
              "args": [{"index": 0, "value": bit, "valueTwo": bit, "op": "SCMP_CMP_MASKED_EQ"}]}
             for bit in CLONE_NAMESPACES.values()]
    return json.dumps({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                          "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
        "syscalls": [
            {"names": list(DENIED), "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM},
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.ENOSYS},
            *flags,
        ],
    }, indent=1)
