/** The expressions and assignments both native-oracle tests run (C11 sections per group). */
export const EXPRS = [
  // arithmetic, promotions, usual arithmetic conversions (C11 6.3.1)
  '1 + 2 * 3', '7 / 2', '-7 / 2', '-7 % 3', '7 % -3', 'neg / 2', 'neg % 4', 'neg + uzero', 'neg < uzero', 'neg < 0',
  'r.i + r.u', 'r.i * r.u', 'r.l + r.u', 'r.ul + neg', 'r.ll * r.u', 'r.uc + r.sc', 'r.us * 2', 'r.s * r.s', 'r.sc * r.uc',
  'r.c', 'r.sc', 'r.uc', 'r.s', 'r.us', 'r.i', 'r.u', 'r.l', 'r.ul', 'r.ll', 'r.ull', '-r.u', '-r.uc', '~r.uc', '~0',
  '~0u', '!r.i', '!!r.l', 'r.sc / 2', 'r.ll % 2', 'r.u / 7', 'r.l / 1000', 'r.ull * 3', 'r.i ^ 0xff', 'r.i | 0x100',
  'r.u & 0xffff', '0x7fffffff + 1u', 'r.c == \'x\'', 'r.flag', 'r.flag + r.flag',
  // shifts (C11 6.5.7)
  '1u << 31', 'r.uc << 4', 'neg >> 1', 'r.u >> 3', '1LL << 40', 'r.ull >> 60', 'r.s >> 2', 'r.us << 16',
  // literals (C11 6.4.4)
  '0x7fffffff', '0x80000000', '2147483647', '2147483648', '0xffffffffffffffff', '9223372036854775807', '017', '0b1011',
  '\'A\'', '\'\\n\'', '\'\\x41\'', '\'\\377\'', '\'\\0\'', '10u', '10l', '10ul', '10ll', '10ull', '-1u', '0xffffffffu', '4294967296',
  // comparisons, logic, conditional, comma
  'r.i == 42', 'r.i != 42 || r.u', 'r.i > r.l && r.s', 'neg <= -7', 'r.ul >= 0', 'r.i == 42 && r.u > 0',
  'uzero ? 1 : 2', 'r.i ? r.u : neg', 'r.i ? 1 : 2.0', '(1, 2)', 'r.sg < 0',
  // pointers and arrays (C11 6.5.2.1, 6.5.6)
  'rp->i', '(*rp).l', 'rp == &r', '!rp', '&r.arr[3] - &r.arr[0]', '*(r.arr + 2)', 'r.arr[7]', '2[r.arr]', '*r.arr',
  '&r.arr[2]', 'r.arr + 1', '(char *)&r.i + 1', 'nodes[0].next->val', 'nodes[0].next->next->val', 'r.head->next->val',
  'r.head == &nodes[0]', 'nodes[2].next == 0', '!nodes[2].next', 'r.str[1]', '*r.str', 'r.str', 'text[4]', '&big[299] - big',
  'big[299]', 'big[17] + big[3]', '(long)&r.l - (long)&r', 'r.vp == (void *)&r', 'r.vp', 'rp + 1', '(char *)(rp + 1) - (char *)rp',
  '&nodes[2] > &nodes[1]', 'rp->head', 'rp->name[0]',
  'r.matrix[1][2]', '*r.matrix[1]', '**r.matrix', '&r.matrix[1][0] - &r.matrix[0][0]', 'r.matrix + 1',
  // members, unions, anonymous members, bit fields, enums
  'r.bf.a', 'r.bf.b', 'r.bf.c', 'r.bf.d', 'r.bf.e', 'r.bf.f', 'r.bf.b + 1', 'r.bf.a - 6', 'r.bf.c * 2', 'r.bf.d + 1',
  'r.bf.d >> 8', '-r.bf.a', 'r.w.w', 'r.w.b[0]', 'r.w.b[3]', 'r.w.lo', 'r.w.hi', 'r.anon_i', 'r.color', 'r.color + 1',
  'r.fl', 'r.fl & 4', 'r.sg', 'r.sg + 0', 'GREEN', 'BLUE + 1', 'r.color == GREEN', 'NEG', 'NEG < 0', 'F_A | F_C',
  'r.fl == (F_A | F_C)', 'sizeof(enum color)', 'sizeof GREEN',
  // casts (C11 6.5.4, 6.3.1.3)
  '(unsigned char)r.i', '(signed char)200', '(short)70000', '(unsigned)neg', '(long)neg', '(unsigned long)neg',
  '(_Bool)5', '(_Bool)0', '(int)r.d', '(char)r.u', '(uint32_t)-1', '(int8_t)0x80', '(uint64_t)neg', '*(uint16_t *)&r.w',
  '*(unsigned char *)&r.i', '(enum color)1', '((struct node *)r.vp)->val', '((node_t *)&nodes[1])->next->val',
  '(unsigned long long)(unsigned int)neg', '(long)(int)3000000000u', '(struct node *)0',
  '(unsigned short)-1 + 1', '(unsigned int)-1 + 1L',
  // sizeof (C11 6.5.3.4)
  'sizeof(struct rec)', 'sizeof r', 'sizeof(int[8])', 'sizeof r.arr', 'sizeof r.arr[0]', 'sizeof(struct node *)',
  'sizeof(long long)', 'sizeof(union word)', 'sizeof(char (*)[4])', 'sizeof rp->name', 'sizeof(r.bf)', 'sizeof(node_t)',
  'sizeof text', 'sizeof(text) / sizeof(text[0])', 'sizeof(int (*)(int))', 'sizeof nodes', 'sizeof(unsigned long)',
  // floating point
  'r.d', 'r.d * 2', 'r.i / 2.0', 'r.d > 1', '-r.d', '1.5 + 1',
];

export const ASSIGNMENTS = [
  'r.i = 7', 'r.s = 70000', 'r.uc = -1', 'r.bf.b = -3', 'r.bf.d = 0x123456789aULL', 'r.bf.a = 9', 'r.bf.e = 0',
  'r.bf.c = r.bf.c + 1', 'r.arr[3] += 5', 'r.w.hi = 0xbeef', 'r.anon_i = 42', 'rp->head = &nodes[2]',
  'nodes[1].next->val = 99', '*(int *)&r.u = -1', 'r.color = BLUE', 'r.ul = neg', 'r.flag = 5',
  'r.ull >>= 4', 'r.d = r.i / 2', 'r.sc -= 100', 'big[10] = big[9] * 2', 'text[0] = \'J\'', 'r.name[3] = 0',
  'r.vp = 0', 'r.ll = r.u', 'r.fl |= F_HI', 'r.us = r.us + 1000', 'r.sg = (enum sign)1', 'r.matrix[0][1] *= -3',
  'r.bf.f = r.bf.b * 1000',
];
