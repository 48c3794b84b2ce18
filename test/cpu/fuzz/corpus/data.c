/* Structs, strings, switch tables, function pointers and loops for the decoder corpus. */
#include <stddef.h>
#include <stdint.h>

struct point { int16_t x, y; };
struct rec { uint8_t tag; uint16_t len; uint32_t flags; uint64_t id; struct point pts[4]; char name[24]; };
struct bits { unsigned a : 3, b : 7, c : 1, d : 21; };

size_t my_strlen(const char *s) { const char *p = s; while (*p) p++; return (size_t)(p - s); }
int my_strcmp(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return (unsigned char)*a - (unsigned char)*b; }
char *my_strcpy(char *d, const char *s) { char *r = d; while ((*d++ = *s++)) {} return r; }
void *my_memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
void *my_memcpy(void *d, const void *s, size_t n) { unsigned char *p = d; const unsigned char *q = s; while (n--) *p++ = *q++; return d; }
void reverse(char *s) { size_t n = my_strlen(s); for (size_t i = 0; i < n / 2; i++) { char t = s[i]; s[i] = s[n - 1 - i]; s[n - 1 - i] = t; } }
int atoi_hex(const char *s) { int v = 0; for (; *s; s++) { int c = *s; v = v * 16 + (c <= '9' ? c - '0' : (c | 32) - 'a' + 10); } return v; }
char *utoa(unsigned long v, char *buf, unsigned base) {
  char *p = buf + 31; *p = 0;
  do { unsigned d = (unsigned)(v % base); *--p = (char)(d < 10 ? '0' + d : 'a' + d - 10); v /= base; } while (v);
  return p;
}

void rec_init(struct rec *r, uint64_t id) { struct rec z = {0}; *r = z; r->id = id; r->tag = 7; r->pts[2].y = -5; }
void rec_copy(struct rec *d, const struct rec *s) { *d = *s; }
struct rec rec_make(uint16_t len) { struct rec r = {.tag = 1, .len = len, .flags = 0x80000001u}; return r; }
int rec_sum(const struct rec *r) { int s = 0; for (int i = 0; i < 4; i++) s += r->pts[i].x * r->pts[i].y; return s + r->len; }
unsigned bits_get(struct bits b) { return b.a + b.b * 3 + b.c + (b.d >> 2); }
void bits_set(struct bits *b, unsigned v) { b->b = v; b->d = v * 9; b->c = !v; }

int classify(int c) {
  switch (c) {
  case 0: return 10; case 1: return 22; case 2: return 31; case 3: return 47; case 4: return 53;
  case 5: return 61; case 6: return 79; case 7: return 83; case 8: return 97; case 9: return 101;
  case 12: return 5; case 15: return 9; default: return -1;
  }
}
const char *op_name(unsigned op) {
  switch (op) {
  case 0: return "set_trap_table"; case 1: return "mmu_update"; case 2: return "set_gdt";
  case 3: return "stack_switch"; case 4: return "set_callbacks"; case 5: return "fpu_taskswitch";
  case 6: return "sched_op_compat"; case 7: return "platform_op"; case 8: return "set_debugreg";
  case 12: return "memory_op"; case 13: return "multicall"; case 17: return "xen_version";
  case 18: return "console_io"; case 20: return "grant_table_op"; case 29: return "sched_op";
  case 32: return "event_channel_op"; case 33: return "physdev_op"; case 34: return "hvm_op";
  default: return "unknown";
  }
}

typedef long (*binop)(long, long);
static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_xor(long a, long b) { return a ^ b; }
static const binop ops[] = { op_add, op_sub, op_xor };
long apply(unsigned i, long a, long b) { return ops[i % 3](a, b); }

struct node { struct node *next; int val; };
int list_sum(const struct node *n) { int s = 0; for (; n; n = n->next) s += n->val; return s; }
struct node *list_reverse(struct node *n) { struct node *p = 0; while (n) { struct node *t = n->next; n->next = p; p = n; n = t; } return p; }

void bubble(int *a, int n) { for (int i = 0; i < n; i++) for (int j = 0; j + 1 < n - i; j++) if (a[j] > a[j + 1]) { int t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; } }
int bsearch_i(const int *a, int n, int key) { int lo = 0, hi = n - 1; while (lo <= hi) { int m = (lo + hi) / 2; if (a[m] == key) return m; if (a[m] < key) lo = m + 1; else hi = m - 1; } return -1; }
uint32_t hash_str(const char *s) { uint32_t h = 2166136261u; while (*s) { h ^= (uint8_t)*s++; h *= 16777619u; } return h; }
int count_ones_table(const uint8_t *p, int n) { static const uint8_t t[16] = {0,1,1,2,1,2,2,3,1,2,2,3,2,3,3,4}; int s = 0; while (n--) { s += t[*p & 15] + t[*p >> 4]; p++; } return s; }
int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
volatile int sink;
void touch_volatile(int n) { for (int i = 0; i < n; i++) sink += i; }
int nested_loops(int n) { int s = 0; for (int i = 0; i < n; i++) for (int j = i; j < n; j++) s += (i * j) & 7; return s; }
void zero_big(struct rec *r, int n) { for (int i = 0; i < n; i++) __builtin_memset(&r[i], 0, sizeof r[i]); }
void copy_big(struct rec *d, const struct rec *s, int n) { __builtin_memcpy(d, s, (size_t)n * sizeof *d); }
