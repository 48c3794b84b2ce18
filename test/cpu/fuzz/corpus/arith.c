/* Integer arithmetic corpus for the decoder length cross-check: bit tricks, 64-bit math
 * (libgcc calls in 32-bit code), multiply/divide, shifts, rotates, flags-consuming code. */
#include <stdint.h>

uint64_t mix64(uint64_t a, uint64_t b) {
  a ^= a >> 33; a *= 0xff51afd7ed558ccdULL; a ^= a >> 33;
  return (a << 13 | a >> 51) + b * 0xc4ceb9fe1a85ec53ULL;
}
int64_t sdiv64(int64_t a, int64_t b) { return b ? a / b : 0; }
uint64_t udiv64(uint64_t a, uint64_t b) { return b ? a / b : 0; }
uint64_t umod64(uint64_t a, uint64_t b) { return b ? a % b : 0; }
int64_t smod64(int64_t a, int64_t b) { return b ? a % b : 0; }
uint32_t udiv32(uint32_t a, uint32_t b) { return a / (b | 1); }
int32_t sdiv7(int32_t a) { return a / 7 + a % 13; }
uint64_t shl64(uint64_t a, unsigned n) { return a << (n & 63); }
int64_t sar64(int64_t a, unsigned n) { return a >> (n & 63); }
uint64_t shr64(uint64_t a, unsigned n) { return a >> (n & 63); }
uint32_t rotl32(uint32_t x, unsigned n) { return (x << (n & 31)) | (x >> ((32 - n) & 31)); }
uint16_t rotr16(uint16_t x, unsigned n) { return (uint16_t)((x >> (n & 15)) | (x << ((16 - n) & 15))); }
int popc(uint32_t x) { return __builtin_popcount(x); }
int popc64(uint64_t x) { return __builtin_popcountll(x); }
int ctz32(uint32_t x) { return x ? __builtin_ctz(x) : 32; }
int clz64(uint64_t x) { return x ? __builtin_clzll(x) : 64; }
int ffs32(int x) { return __builtin_ffs(x); }
uint32_t bswap32(uint32_t x) { return __builtin_bswap32(x); }
uint64_t bswap64(uint64_t x) { return __builtin_bswap64(x); }
uint16_t bswap16(uint16_t x) { return __builtin_bswap16(x); }
int parity(uint32_t x) { return __builtin_parity(x); }
int add_ovf(int a, int b, int *r) { return __builtin_add_overflow(a, b, r); }
int mul_ovf(long a, long b, long *r) { return __builtin_mul_overflow(a, b, r); }
unsigned umul_hi(unsigned a, unsigned b) { return (unsigned)(((uint64_t)a * b) >> 32); }
int64_t mul3264(int32_t a, int32_t b) { return (int64_t)a * b; }
int8_t s8ops(int8_t a, int8_t b) { return (int8_t)(a * b - (a >> 2) + (b ^ 0x5a)); }
int16_t s16ops(int16_t a, int16_t b) { return (int16_t)(a * b + (a / (b | 1)) - (a << 3)); }
uint8_t u8div(uint8_t a, uint8_t b) { return (uint8_t)(a / (b | 1) + a % (b | 1)); }
int cmov_max(int a, int b, int c) { int m = a > b ? a : b; return m > c ? m : c; }
int64_t abs64(int64_t x) { return x < 0 ? -x : x; }
int sign(long x) { return (x > 0) - (x < 0); }
int bittest(const unsigned long *bm, unsigned i) { return (bm[i / (8 * sizeof(long))] >> (i % (8 * sizeof(long)))) & 1; }
void bitset(unsigned long *bm, unsigned i) { bm[i / (8 * sizeof(long))] |= 1UL << (i % (8 * sizeof(long))); }
uint32_t isqrt(uint32_t n) {
  uint32_t r = 0, bit = 1u << 30;
  while (bit > n) bit >>= 2;
  while (bit) { if (n >= r + bit) { n -= r + bit; r = (r >> 1) + bit; } else r >>= 1; bit >>= 2; }
  return r;
}
uint32_t crc32c_sw(const uint8_t *p, unsigned len) {
  uint32_t c = ~0u;
  while (len--) { c ^= *p++; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82f63b78 & -(c & 1)); }
  return ~c;
}
uint64_t fib(unsigned n) { uint64_t a = 0, b = 1; while (n--) { uint64_t t = a + b; a = b; b = t; } return a; }
int gcd(int a, int b) { while (b) { int t = a % b; a = b; b = t; } return a; }
uint64_t powmod(uint64_t b, uint64_t e, uint64_t m) {
  uint64_t r = 1; b %= m;
  while (e) { if (e & 1) r = (r * b) % m; b = (b * b) % m; e >>= 1; }
  return r;
}
#ifdef __x86_64__
unsigned __int128 mul128(uint64_t a, uint64_t b) { return (unsigned __int128)a * b; }
uint64_t div128(unsigned __int128 a, uint64_t b) { return (uint64_t)(a / b); }
#endif
