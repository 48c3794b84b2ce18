/*
 * The four functions gcc may call even in freestanding code (struct copies, array
 * zeroing, loop idioms). Only the bare-metal guest links this file; the native build
 * uses glibc's. Built with -fno-tree-loop-distribute-patterns so gcc does not turn
 * these loops back into calls to themselves.
 */
typedef unsigned long usize;

void *memcpy(void *dst, const void *src, usize n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, usize n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, usize n)
{
	unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, usize n)
{
	const unsigned char *x = a, *y = b;
	for (usize i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}
