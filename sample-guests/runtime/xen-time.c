/*
 * Xen system time and wallclock (see xen-time.h). 64-bit guests only: the scaling uses a
 * 64 x 32 -> 96-bit product through unsigned __int128.
 */
#include "xen-time.h"
#include "arch.h"
#include "console.h"

#ifndef __x86_64__
#error "xen-time.c is written for the 64-bit guests"
#endif

/* lfence keeps rdtsc from being executed ahead of the loads before it. */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

uint64_t xen_system_time(const volatile struct shared_info *s, unsigned int vcpu)
{
	const volatile struct vcpu_time_info *t = &s->vcpu_info[vcpu].time;
	uint32_t version, mul;
	uint64_t tsc, stamp, system_time;
	int8_t shift;

	do {
		version = t->version;
		barrier();
		tsc = rdtsc_ordered();
		stamp = t->tsc_timestamp;
		system_time = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		barrier();
		/* Odd: Xen is in the middle of an update; changed: an update happened meanwhile. */
	} while ((version & 1) || version != t->version);

	uint64_t delta = tsc - stamp;
	if (shift >= 0)
		delta <<= shift;
	else
		delta >>= -shift;
	return system_time + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

void xen_wallclock(const volatile struct shared_info *s, uint64_t *sec, uint32_t *nsec,
		   uint32_t *version)
{
	uint32_t v;

	do {
		v = s->wc_version;
		barrier();
		*sec = ((uint64_t)s->wc_sec_hi << 32) | s->wc_sec;
		*nsec = s->wc_nsec;
		barrier();
	} while ((v & 1) || v != s->wc_version);
	*version = v;
}

static int leap(uint64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

void format_utc(char *buf, uint64_t sec)
{
	static const uint8_t mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t days = sec / 86400, rem = sec % 86400;
	uint64_t year = 1970;
	unsigned int month = 0;

	while (days >= (uint64_t)(leap(year) ? 366 : 365)) {
		days -= leap(year) ? 366 : 365;
		year++;
	}
	for (;;) {
		unsigned int len = mdays[month] + (month == 1 && leap(year));
		if (days < len)
			break;
		days -= len;
		month++;
	}
	snprintf(buf, 20, "%04llu-%02u-%02llu %02llu:%02llu:%02llu", (unsigned long long)year,
		 month + 1, (unsigned long long)days + 1, (unsigned long long)(rem / 3600),
		 (unsigned long long)(rem / 60 % 60), (unsigned long long)(rem % 60));
}
