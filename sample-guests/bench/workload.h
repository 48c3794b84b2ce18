/*
 * CPU benchmark workload: a freestanding, deterministic integer workload that is built
 * both into the bare-metal cpu-bench.elf (run on the emulator) and into a native Linux
 * program, so the emulator's checksum can be compared with the real CPU's.
 *
 * No libc: the only external symbols the compiler may reference are memcpy, memset,
 * memmove and memcmp (gcc emits those calls even with -ffreestanding); the guest build
 * supplies them in bench-libc.c, the native build takes them from glibc.
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

/* Rounds used when the caller passes 0: one round is about 3.6 M instructions, so the
 * default run is about 100 M (the benchmark's target is 50-150 M on the emulator). */
#define WORKLOAD_DEFAULT_ROUNDS 28u

/* Receives NUL-terminated text; the guest writes it to port 0xE9, the native build to stdout. */
typedef void (*workload_emit_fn)(const char *text);

/*
 * Runs every phase `rounds` times (0 means WORKLOAD_DEFAULT_ROUNDS), emits one line per
 * phase with that phase's checksum and a final "checksum 0x..." line, and returns the
 * final checksum. The text is identical on every correct x86-64 CPU.
 */
unsigned long long run_workload(unsigned rounds, workload_emit_fn emit);

#endif
