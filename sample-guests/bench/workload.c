/*
 * CPU benchmark workload (see workload.h). Each phase exercises a different part of the
 * integer instruction set the way gcc -O2 uses it, and folds its results into its own
 * checksum, so a wrong emulator result points at one phase rather than just "mismatch".
 *
 * Rules that keep the result identical on every correct CPU: unsigned arithmetic only
 * where values can wrap (signed overflow is undefined behaviour, and gcc exploits it),
 * no division by zero or INT64_MIN / -1, no reads of uninitialised memory, and every
 * input derived from the round number through the LCG below.
 */
#include "workload.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef unsigned long usize;

/* ---- small helpers ---------------------------------------------------------------- */

static u64 lcg_state;

/* Knuth's MMIX LCG; the high half has the better bits. */
static u32 lcg_next(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (u32)(lcg_state >> 33);
}

static u64 rotl64(u64 x, unsigned r) { return (x << (r & 63)) | (x >> ((64 - r) & 63)); }
static u32 rotr32(u32 x, unsigned r) { return (x >> (r & 31)) | (x << ((32 - r) & 31)); }

/* Order-sensitive accumulator shared by every phase. */
static u64 mix(u64 acc, u64 v)
{
	acc ^= v + 0x9e3779b97f4a7c15ull + (acc << 6) + (acc >> 2);
	return rotl64(acc, 27) * 0x94d049bb133111ebull;
}

/* ---- string routines written in C (gcc may turn them into loops or rep ops) ------- */

static usize wl_strlen(const char *s)
{
	const char *p = s;
	while (*p)
		p++;
	return (usize)(p - s);
}

static int wl_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (int)(u8)*a - (int)(u8)*b;
}

static int wl_memcmp(const void *a, const void *b, usize n)
{
	const u8 *x = a, *y = b;
	for (usize i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* Word-at-a-time copy with a byte tail: the shape of a simple kernel memcpy. */
static void wl_memcpy(void *dst, const void *src, usize n)
{
	u8 *d = dst;
	const u8 *s = src;
	while (n >= 8) {
		u64 w;
		__builtin_memcpy(&w, s, 8); /* a single unaligned 8-byte load */
		__builtin_memcpy(d, &w, 8);
		d += 8;
		s += 8;
		n -= 8;
	}
	while (n--)
		*d++ = *s++;
}

static void wl_memset(void *dst, int c, usize n)
{
	volatile u8 *d = dst; /* volatile: keep the byte loop instead of a memset call */
	while (n--)
		*d++ = (u8)c;
}

/* The same operations through the x86 string instructions, including DF=1 copies. */
static void asm_rep_movsb(void *dst, const void *src, usize n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void asm_rep_movsq(void *dst, const void *src, usize qwords)
{
	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(qwords) : : "memory");
}

static void asm_rep_stosd(void *dst, u32 v, usize dwords)
{
	__asm__ volatile("rep stosl" : "+D"(dst), "+c"(dwords) : "a"(v) : "memory");
}

/* Overlap-safe backward copy: std; rep movsb from the last byte; cld. */
static void asm_memmove_backward(void *dst, const void *src, usize n)
{
	if (!n)
		return;
	u8 *d = (u8 *)dst + n - 1;
	const u8 *s = (const u8 *)src + n - 1;
	__asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory", "cc");
}

/* repne scasb strlen: RCX counts down from -1. */
static usize asm_strlen(const char *s)
{
	usize cnt = ~0ul;
	__asm__ volatile("repne scasb" : "+D"(s), "+c"(cnt) : "a"(0) : "memory", "cc");
	return ~cnt - 1;
}

/* repe cmpsb: returns the number of equal leading bytes (n if all equal). */
static usize asm_common_prefix(const void *a, const void *b, usize n)
{
	usize left = n;
	u8 equal;
	if (!n)
		return 0;
	__asm__ volatile("repe cmpsb\n\tsete %3"
			 : "+S"(a), "+D"(b), "+c"(left), "=qm"(equal)
			 :
			 : "memory", "cc");
	return equal ? n : n - left - 1;
}

/* ---- text output --------------------------------------------------------------------- */

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_hex64(char *p, u64 v)
{
	static const char digits[] = "0123456789abcdef";
	*p++ = '0';
	*p++ = 'x';
	for (int shift = 60; shift >= 0; shift -= 4)
		*p++ = digits[(v >> shift) & 15];
	return p;
}

/* Decimal via repeated division by 10 (gcc turns it into a multiply by a reciprocal). */
static char *put_dec(char *p, u64 v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void emit_line(workload_emit_fn emit, const char *label, u64 value)
{
	char line[64];
	char *p = put_str(line, label);
	*p++ = ' ';
	p = put_hex64(p, value);
	*p++ = '\n';
	*p = 0;
	emit(line);
}

/* ---- phase 1: sieve of Eratosthenes -------------------------------------------------- */

#define SIEVE_N 60000u
static u8 sieve_buf[SIEVE_N + 1];

static u64 phase_sieve(unsigned round)
{
	u32 limit = SIEVE_N - (round & 1023u); /* vary the bound per round */
	u32 count = 0;
	u64 sum = 0;

	wl_memset(sieve_buf, 1, limit + 1);
	sieve_buf[0] = sieve_buf[1] = 0;
	for (u32 i = 2; i * i <= limit; i++)
		if (sieve_buf[i])
			for (u32 j = i * i; j <= limit; j += i)
				sieve_buf[j] = 0;
	for (u32 i = 2; i <= limit; i++) {
		if (sieve_buf[i]) {
			count++;
			sum += (u64)i * count;
		}
	}
	return mix(count, sum);
}

/* ---- phase 2: quicksort --------------------------------------------------------------- */

#define SORT_N 3000
static s32 sort_buf[SORT_N];

static void insertion_sort(s32 *a, int n)
{
	for (int i = 1; i < n; i++) {
		s32 v = a[i];
		int j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

/* Median-of-three Hoare partition; recurse on the smaller side to bound stack depth. */
static void quicksort(s32 *a, int n)
{
	while (n > 16) {
		s32 x = a[0], y = a[n / 2], z = a[n - 1];
		s32 pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		int i = -1, j = n;
		for (;;) {
			do
				i++;
			while (a[i] < pivot);
			do
				j--;
			while (a[j] > pivot);
			if (i >= j)
				break;
			s32 t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
		int left = j + 1;
		if (left < n - left) {
			quicksort(a, left);
			a += left;
			n -= left;
		} else {
			quicksort(a + left, n - left);
			n = left;
		}
	}
	insertion_sort(a, n);
}

static u64 phase_qsort(unsigned round)
{
	u64 acc = 0;
	lcg_state = 0x5eed0000ull + round;
	for (int i = 0; i < SORT_N; i++) {
		/* Signed values with many duplicates (the low range) and negatives. */
		s32 v = (s32)lcg_next();
		sort_buf[i] = (i & 7) == 0 ? (s32)(v & 63) - 32 : v;
	}
	quicksort(sort_buf, SORT_N);
	for (int i = 0; i < SORT_N; i++) {
		if (i && sort_buf[i - 1] > sort_buf[i])
			acc ^= 0xbad0000000000000ull | (u64)i; /* not sorted: poison */
		acc = acc * 31 + (u64)(s64)sort_buf[i] * (u64)(i + 1);
	}
	return mix(acc, (u64)(s64)sort_buf[SORT_N / 2]);
}

/* ---- phase 3: hashing (CRC32, FNV-1a, murmur3 finaliser, xor-rotate mixing) ------------ */

#define HASH_BYTES 6144
static u8 hash_buf[HASH_BYTES];

static u32 crc32_bitwise(const u8 *p, usize n)
{
	u32 crc = 0xffffffffu;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static u64 fnv1a64(const u8 *p, usize n)
{
	u64 h = 0xcbf29ce484222325ull;
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static u64 fmix64(u64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

/* Murmur3-style 32-bit block hash over little-endian words (unaligned tail handled). */
static u32 murmur32(const u8 *p, usize n, u32 seed)
{
	u32 h = seed;
	usize i = 0;
	for (; i + 4 <= n; i += 4) {
		u32 k = (u32)p[i] | (u32)p[i + 1] << 8 | (u32)p[i + 2] << 16 | (u32)p[i + 3] << 24;
		k *= 0xcc9e2d51u;
		k = rotr32(k, 32 - 15);
		k *= 0x1b873593u;
		h ^= k;
		h = rotr32(h, 32 - 13);
		h = h * 5 + 0xe6546b64u;
	}
	u32 tail = 0;
	for (usize s = 0; i < n; i++, s += 8)
		tail |= (u32)p[i] << s;
	h ^= tail * 0xcc9e2d51u;
	h ^= (u32)n;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

static u64 phase_hash(unsigned round)
{
	lcg_state = 0xc0ffee00ull ^ ((u64)round << 32);
	for (usize i = 0; i < HASH_BYTES; i += 4) {
		u32 v = lcg_next();
		hash_buf[i] = (u8)v;
		hash_buf[i + 1] = (u8)(v >> 8);
		hash_buf[i + 2] = (u8)(v >> 16);
		hash_buf[i + 3] = (u8)(v >> 24);
	}
	u64 acc = crc32_bitwise(hash_buf, HASH_BYTES);
	acc = mix(acc, fnv1a64(hash_buf, HASH_BYTES));
	/* Odd lengths and odd start offsets exercise the unaligned paths. */
	for (unsigned off = 0; off < 8; off++)
		acc = mix(acc, murmur32(hash_buf + off, HASH_BYTES - 3 * off - 1, round + off));
	for (usize i = 0; i < HASH_BYTES; i += 64)
		acc = mix(acc, fmix64(acc ^ i));
	return acc;
}

/* ---- phase 4: open-addressing hash table ---------------------------------------------- */

#define TABLE_SLOTS 2048u /* power of two */
#define TABLE_KEYS 1400u
#define EMPTY_KEY 0ull
#define TOMBSTONE 1ull

static u64 table_keys[TABLE_SLOTS];
static u32 table_vals[TABLE_SLOTS];

static u32 table_find_slot(u64 key)
{
	u32 i = (u32)fmix64(key) & (TABLE_SLOTS - 1);
	while (table_keys[i] != EMPTY_KEY && table_keys[i] != key)
		i = (i + 1) & (TABLE_SLOTS - 1);
	return i;
}

static void table_insert(u64 key, u32 val)
{
	u32 i = (u32)fmix64(key) & (TABLE_SLOTS - 1);
	u32 first_free = TABLE_SLOTS;
	while (table_keys[i] != EMPTY_KEY) {
		if (table_keys[i] == key) {
			table_vals[i] += val;
			return;
		}
		if (table_keys[i] == TOMBSTONE && first_free == TABLE_SLOTS)
			first_free = i;
		i = (i + 1) & (TABLE_SLOTS - 1);
	}
	if (first_free != TABLE_SLOTS)
		i = first_free;
	table_keys[i] = key;
	table_vals[i] = val;
}

static u64 phase_table(unsigned round)
{
	u64 acc = 0;
	u32 hits = 0, misses = 0;
	for (u32 i = 0; i < TABLE_SLOTS; i++) {
		table_keys[i] = EMPTY_KEY;
		table_vals[i] = 0;
	}
	lcg_state = 0x7ab1e000ull + round * 977ull;
	/* Keys from a small range so duplicates occur; never 0 or 1 (reserved markers). */
	for (u32 i = 0; i < TABLE_KEYS; i++)
		table_insert(2 + (lcg_next() % 3000u), i);
	/* Delete every key divisible by 5 (tombstones), then insert a second batch. */
	for (u64 k = 2; k < 3002; k += 5) {
		u32 s = table_find_slot(k);
		if (table_keys[s] == k)
			table_keys[s] = TOMBSTONE;
	}
	for (u32 i = 0; i < TABLE_KEYS / 4; i++)
		table_insert(3000 + (lcg_next() % 500u), i * 3);
	for (u64 k = 0; k < 3600; k++) {
		u32 s = table_find_slot(k + 2);
		if (table_keys[s] == k + 2) {
			hits++;
			acc = mix(acc, table_vals[s] ^ (k << 20));
		} else {
			misses++;
		}
	}
	return mix(acc, (u64)hits << 32 | misses);
}

/* ---- phase 5: 64-bit and 128-bit arithmetic -------------------------------------------- */

#define MERSENNE61 ((1ull << 61) - 1)

/* a*b mod 2^61-1 through a 64x64->128 multiply and shift/mask reduction (no divide). */
static u64 mulmod61(u64 a, u64 b)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	u64 lo = (u64)p & MERSENNE61;
	u64 hi = (u64)(p >> 61);
	u64 r = lo + hi;
	return r >= MERSENNE61 ? r - MERSENNE61 : r;
}

static u64 powmod61(u64 base, u64 e)
{
	u64 r = 1;
	base %= MERSENNE61;
	while (e) {
		if (e & 1)
			r = mulmod61(r, base);
		base = mulmod61(base, base);
		e >>= 1;
	}
	return r;
}

static u64 gcd64(u64 a, u64 b)
{
	while (b) {
		u64 t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static u64 isqrt64(u64 n)
{
	/* Newton iteration with a bsr-derived starting point. */
	if (n < 2)
		return n;
	unsigned bits = 64 - (unsigned)__builtin_clzll(n);
	u64 x = 1ull << ((bits + 1) / 2);
	for (;;) {
		u64 y = (x + n / x) >> 1;
		if (y >= x)
			return x;
		x = y;
	}
}

static unsigned popcount64(u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

static u64 phase_math(unsigned round)
{
	u64 acc = 0x123456789abcdefull ^ round;
	lcg_state = 0x3a7400ull + round;
	for (unsigned i = 0; i < 1500; i++) {
		u64 a = (u64)lcg_next() << 32 | lcg_next();
		u64 b = (u64)lcg_next() << 32 | lcg_next();
		u64 small = (lcg_next() & 0xffff) + 1;
		s64 sa = (s64)a, sb = (s64)(b | 1);

		/* Full 128-bit products: mul (unsigned) and imul (signed) one-operand forms. */
		unsigned __int128 up = (unsigned __int128)a * b;
		__int128 sp = (__int128)sa * sb;
		acc = mix(acc, (u64)(up >> 64) ^ (u64)up);
		acc = mix(acc, (u64)((unsigned __int128)sp >> 64) + (u64)sp);

		/* 128-bit add/sub with carries (adc/sbb) and wide shifts (shld/shrd). */
		unsigned __int128 w = up + ((unsigned __int128)acc << 17) - ((unsigned __int128)b << 64);
		unsigned sh = a & 127;
		acc = mix(acc, (u64)(w >> sh) ^ (u64)((w << (sh & 63)) >> 64));

		/* Division: unsigned, signed with negative operands, remainders. */
		acc = mix(acc, a / small + a % small);
		if (sb != -1 || sa != (s64)(1ull << 63))
			acc = mix(acc, (u64)(sa / sb) ^ (u64)(sa % sb));
		acc = mix(acc, (u64)(sa / (((s64)small - 40000) | 1))); /* odd: never 0 */
		acc = mix(acc, (u64)(s64)((s32)a / (s32)(small | 1)) ^ (u32)((s32)b % (s32)(small | 1)));
		acc = mix(acc, (u32)a / (u32)(small * 3 + 1));

		/* Variable shifts and rotates, 64- and 32-bit, arithmetic and logical. */
		unsigned c = (unsigned)b & 63;
		acc = mix(acc, (a << c) ^ (a >> c) ^ (u64)(sa >> c) ^ rotl64(a, c));
		acc = mix(acc, ((u32)a << (c & 31)) ^ (u32)((s32)b >> (c & 31)) ^ rotr32((u32)a, c));

		/* Bit scans, byte swaps, population count, and cmov-friendly selections. */
		acc = mix(acc, (u64)__builtin_ctzll(a | (1ull << 63)) << 8 | (u64)__builtin_clzll(b | 1));
		acc = mix(acc, __builtin_bswap64(a) ^ __builtin_bswap32((u32)b));
		acc = mix(acc, popcount64(a ^ b));
		acc = mix(acc, (a > b ? a - b : b - a) + (sa < sb ? 1u : 0u));

		if ((i & 15) == 0) {
			acc = mix(acc, gcd64(a | 1, b % 1000003 + 1));
			acc = mix(acc, isqrt64(a));
			acc = mix(acc, powmod61(a, b >> 40));
		}
	}
	return acc;
}

/* ---- phase 6: narrow integers (8/16/32-bit registers, sign and zero extension) --------- */

static u64 phase_narrow(unsigned round)
{
	u8 b8 = (u8)round;
	u16 w16 = (u16)(round * 257u);
	u32 d32 = 0xdeadbeefu ^ round;
	u64 acc = 0;
	lcg_state = 0x4a77000ull + round;
	for (unsigned i = 0; i < 6000; i++) {
		u32 r = lcg_next();
		b8 = (u8)(b8 * 13 + (u8)r);
		w16 = (u16)(w16 ^ (u16)(r >> 7)) + (u16)(w16 << 3);
		d32 = d32 * 0x01000193u + (u32)(s32)(s8)b8 + (u32)(s32)(s16)w16;
		/* Carry detection on 32-bit adds (setc/adc after gcc's overflow idiom). */
		u32 sum = d32 + r;
		u32 carry = sum < d32;
		acc += (u64)sum + carry + ((u64)(s64)(s8)(b8 ^ 0x80) << 3) + (u64)(s64)(s16)w16;
		acc = rotl64(acc, (b8 & 7) + 1);
	}
	return mix(acc, (u64)d32 << 32 | (u64)w16 << 8 | b8);
}

/* ---- phase 7: string operations -------------------------------------------------------- */

#define STR_BYTES 4096
static char str_a[STR_BYTES], str_b[STR_BYTES];
static u64 str_q[STR_BYTES / 8];

static u64 phase_string(unsigned round)
{
	u64 acc = round;
	lcg_state = 0x57a1000ull + round;

	/* Build a text of decimal numbers separated by spaces; NUL-terminated. */
	char *p = str_a;
	while (p < str_a + STR_BYTES - 40) {
		p = put_dec(p, (u64)lcg_next() * (lcg_next() & 0xfff));
		*p++ = ' ';
	}
	*p = 0;
	usize len = wl_strlen(str_a);
	acc = mix(acc, len);
	acc = mix(acc, asm_strlen(str_a) ^ (len << 16));

	/* Copies by every route must agree; compare with both C and repe cmpsb. */
	wl_memcpy(str_b, str_a, len + 1);
	acc = mix(acc, (u64)wl_strcmp(str_a, str_b) + 7);
	acc = mix(acc, asm_common_prefix(str_a, str_b, len));
	for (unsigned k = 0; k < 24; k++) {
		usize at = lcg_next() % (len - 64);
		usize n = 1 + lcg_next() % 63;
		str_b[at + (n >> 1)] ^= (char)(1 + (k & 0x3f));
		acc = mix(acc, (u64)(s64)wl_strcmp(str_a + at, str_b + at));
		acc = mix(acc, (u64)(s64)wl_memcmp(str_a + at, str_b + at, n));
		acc = mix(acc, asm_common_prefix(str_a + at, str_b + at, n));
		asm_rep_movsb(str_b + at, str_a + at, n);
	}
	acc = mix(acc, (u64)wl_memcmp(str_a, str_b, len) + 3);

	/* Overlapping moves in both directions, then whole-buffer rep movsq/stosd. */
	asm_memmove_backward(str_b + 3, str_b, len - 3);
	acc = mix(acc, (u64)(u8)str_b[len - 1] << 8 | (u8)str_b[3]);
	asm_rep_movsb(str_b, str_b + 5, len - 5); /* forward overlap is safe with DF=0 */
	acc = mix(acc, fnv1a64((const u8 *)str_b, len));
	asm_rep_movsq(str_q, str_a, STR_BYTES / 8);
	acc = mix(acc, str_q[round % (STR_BYTES / 8)]);
	asm_rep_stosd(str_b, 0x01020304u * (round | 1), STR_BYTES / 4);
	acc = mix(acc, fnv1a64((const u8 *)str_b, STR_BYTES));
	wl_memset(str_b, 'x', 100);
	str_b[100] = 0;
	acc = mix(acc, wl_strlen(str_b) + (u64)wl_strcmp(str_b, "xxxx"));
	return acc;
}

/* ---- driver ------------------------------------------------------------------------------- */

struct phase {
	const char *name;
	u64 (*fn)(unsigned round);
};

/* Called through a table so the benchmark also covers indirect calls. */
static const struct phase phases[] = {
	{ "sieve ", phase_sieve },   { "qsort ", phase_qsort },   { "hash  ", phase_hash },
	{ "table ", phase_table },   { "math64", phase_math },    { "narrow", phase_narrow },
	{ "string", phase_string },
};
#define PHASE_COUNT (sizeof(phases) / sizeof(phases[0]))

unsigned long long run_workload(unsigned rounds, workload_emit_fn emit)
{
	u64 per_phase[PHASE_COUNT];
	u64 total = 0;
	char line[64];
	char *p;

	if (rounds == 0)
		rounds = WORKLOAD_DEFAULT_ROUNDS;
	p = put_str(line, "cpu-bench workload rounds=");
	p = put_dec(p, rounds);
	*p++ = '\n';
	*p = 0;
	emit(line);

	for (unsigned ph = 0; ph < PHASE_COUNT; ph++)
		per_phase[ph] = ph;
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned ph = 0; ph < PHASE_COUNT; ph++)
			per_phase[ph] = mix(per_phase[ph], phases[ph].fn(r));
	for (unsigned ph = 0; ph < PHASE_COUNT; ph++) {
		emit_line(emit, phases[ph].name, per_phase[ph]);
		total = mix(total, per_phase[ph]);
	}
	emit_line(emit, "checksum", total);
	return total;
}
