/*
 * Xen time for the sample guests (xen-time.c; xen-abi.md §5.5, public/xen.h).
 *
 * System time: nanoseconds since the domain's time base, per vCPU, from
 * vcpu_info[v].time = {version, tsc_timestamp, system_time, tsc_to_system_mul, tsc_shift}:
 *   now = system_time + ((rdtsc() - tsc_timestamp) <<or>> tsc_shift) * tsc_to_system_mul >> 32
 * read under the version seqlock (odd = Xen is writing; changed = re-read).
 * Wallclock: shared_info.wc_{sec,nsec,sec_hi} under wc_version = the wall time at system
 * time 0, so wall time now = wallclock + system time.
 */
#ifndef SAMPLE_XEN_TIME_H
#define SAMPLE_XEN_TIME_H

#include "xen.h"

/* Current system time in ns as seen through vcpu_info[vcpu] of the mapped shared_info. */
uint64_t xen_system_time(const volatile struct shared_info *s, unsigned int vcpu);

/* The wallclock base (seconds and nanoseconds since 1970), with its wc_version. */
void xen_wallclock(const volatile struct shared_info *s, uint64_t *sec, uint32_t *nsec,
		   uint32_t *version);

/* Formats seconds since 1970-01-01 UTC as "YYYY-MM-DD hh:mm:ss" (buf >= 20 bytes). */
void format_utc(char *buf, uint64_t sec);

#endif
