// sgemm vs cblas_gemm_bf16bf16f32 of the Intel MKL linked into DJL's PyTorch 2.7.1 libtorch_cpu.so (PT = the folder of the
// extracted libtorch, e.g. .graft-cache/native/pytorch-2.7.1-...):
// gcc -O2 -o mklgemm mklgemm.c -L$PT -ltorch_cpu -lc10 -Wl,-rpath,$PT && OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 ./mklgemm [M K N]
// and with MKL's vendor check overridden: LD_PRELOAD=$PWD/libmklintelcpu.so ./mklgemm
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include <string.h>
extern void sgemm_(const char*, const char*, const int*, const int*, const int*, const float*, const float*, const int*, const float*, const int*, const float*, float*, const int*);
extern void cblas_gemm_bf16bf16f32(int layout, int ta, int tb, int m, int n, int k, float alpha, const uint16_t* a, int lda, const uint16_t* b, int ldb, float beta, float* c, int ldc);
static double cpu(){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc, char** argv){
  int M=argc>1?atoi(argv[1]):1024, K=argc>2?atoi(argv[2]):768, N=argc>3?atoi(argv[3]):768, reps=20;
  float *a=malloc(4L*M*K), *b=malloc(4L*K*N), *c=malloc(4L*M*N); uint16_t *ab=malloc(2L*M*K), *bb=malloc(2L*K*N);
  for(long i=0;i<(long)M*K;i++){a[i]=(rand()%1000)/1000.f; uint32_t u; memcpy(&u,&a[i],4); ab[i]=u>>16;}
  for(long i=0;i<(long)K*N;i++){b[i]=(rand()%1000)/1000.f; uint32_t u; memcpy(&u,&b[i],4); bb[i]=u>>16;}
  float one=1, zero=0; double fl=2.0*M*N*K*reps;
  for(int round=0; round<3; round++){
    double t0=cpu(); for(int r=0;r<reps;r++) sgemm_("N","N",&N,&M,&K,&one,b,&N,a,&K,&zero,c,&N); double t1=cpu();
    for(int r=0;r<reps;r++) cblas_gemm_bf16bf16f32(101,111,111,M,N,K,1.f,ab,K,bb,N,0.f,c,N); double t2=cpu();
    printf("MKL (libtorch_cpu 2.7.1) %dx%dx%d: sgemm %.1f GFLOP/s per CPU-s, gemm_bf16bf16f32 %.1f GFLOP/s per CPU-s, bf16/fp32 x%.2f\n", M,K,N, fl/(t1-t0)/1e9, fl/(t2-t1)/1e9, (t1-t0)/(t2-t1));
  }
}
