// Peak bf16 vs fp32 arithmetic of one core: 12 independent vfmadd231ps zmm vs vdpbf16ps zmm accumulators.
// gcc -O2 -mavx512f -mavx512bf16 -o peak peak.c && ./peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(){
  const long N=200000000/12;
  __m512 acc[12]; for(int i=0;i<12;i++) acc[i]=_mm512_set1_ps(i*1e-9f);
  __m512 a=_mm512_set1_ps(1.0000001f), b=_mm512_set1_ps(0.9999999f);
  double t0=now();
  for(long n=0;n<N;n++){
#pragma GCC unroll 12
    for(int i=0;i<12;i++) acc[i]=_mm512_fmadd_ps(a,acc[i],b);
  }
  double t1=now();
  __m512 s=acc[0]; for(int i=1;i<12;i++) s=_mm512_add_ps(s,acc[i]);
  double fma = N*12.0*16*2/(t1-t0)/1e9;
  __m512bh x=(__m512bh)_mm512_set1_epi16(0x3f80), y=(__m512bh)_mm512_set1_epi16(0x3f80);
  __m512 bcc[12]; for(int i=0;i<12;i++) bcc[i]=_mm512_set1_ps(0);
  t0=now();
  for(long n=0;n<N;n++){
#pragma GCC unroll 12
    for(int i=0;i<12;i++) bcc[i]=_mm512_dpbf16_ps(bcc[i],x,y);
  }
  t1=now();
  __m512 s2=bcc[0]; for(int i=1;i<12;i++) s2=_mm512_add_ps(s2,bcc[i]);
  double bf = N*12.0*32*2/(t1-t0)/1e9;
  printf("fp32 FMA zmm: %.1f GFLOP/s per core-second; bf16 dot zmm: %.1f GFLOP/s per core-second; ratio %.2f (checksums %g %g)\n",
         fma, bf, bf/fma, _mm512_reduce_add_ps(s), _mm512_reduce_add_ps(s2));
}
