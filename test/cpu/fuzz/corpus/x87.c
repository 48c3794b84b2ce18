/* A little floating point: with -mno-sse gcc falls back to x87, which the core does not
 * implement; these are the instructions the length test is allowed to skip (and lists). */
void scale(double *x, int n) { *x = *x * n + 0.5; }
void avg(float *out, const float *v, int n) { float s = 0; for (int i = 0; i < n; i++) s += v[i]; *out = n ? s / n : 0; }
int to_int(const double *d) { return (int)*d; }
