/* Flash attention for CPUs with AVX512-BF16: bfloat16 dot products, float32 softmax.
 *
 * out[r, h, :] = softmax(q[r, h, :] . k[:, h, :] / sqrt(64)) . v[:, h, :] for head size 64,
 * without a mask, computed in tiles so the attention matrix is never held. Q.K^T and P.V
 * run as bfloat16 pair dot products accumulated in float32 (vdpbf16ps); the running
 * softmax (max, exp, sum) is float32; the probabilities are rounded to bfloat16 for P.V.
 * Rows are addressed through strides, so (length, heads * 64) projections are read and
 * written in place. Built and loaded by attention_bf16.py.
 */
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEAD 64              /* head size */
#define PAIRS (HEAD / 2)     /* bf16 pairs per row of q or k */
#define ROWS 6               /* query rows per tile */
#define COLS 64              /* keys per block */
#define VECS (COLS / 16)     /* float32 vectors per block row */
#define MAX_THREADS 64

typedef struct {
    const uint16_t *q, *k, *v;
    float *out;
    long q_row, k_row, v_row, out_row; /* element strides between rows; heads are 64 apart */
    int heads, lq, lk, blocks, threads;
    uint32_t *kp, *vp;                 /* packed keys and values, per head */
} Job;

typedef struct {
    Job *job;
    int index;
} Worker;

/* e^x for x <= 0, float32 accuracy; very negative x gives ~0. */
static inline __m512 exp_ps(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f));
    __m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_sub_ps(t, n); /* e^x = 2^n * 2^f, |f| <= 0.5 */
    __m512 p = _mm512_set1_ps(1.5252733804059840e-5f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.5403530393381606e-4f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.3333558146428443e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.6181291076284772e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5504108664821580e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022650695910071e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314718055994531e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* Keys as [block][pair][key] words and values as [block][key pair][column] words, zero
 * past the last key, so one 64-byte load feeds vdpbf16ps for 16 keys or 16 columns. */
static void pack_head(Job *job, int h) {
    uint32_t *kp = job->kp + (long)h * job->blocks * PAIRS * COLS;
    uint32_t *vp = job->vp + (long)h * job->blocks * (COLS / 2) * HEAD;
    memset(kp, 0, sizeof(uint32_t) * job->blocks * PAIRS * COLS);
    memset(vp, 0, sizeof(uint32_t) * job->blocks * (COLS / 2) * HEAD);
    for (int j = 0; j < job->lk; j++) {
        const uint32_t *krow = (const uint32_t *)(job->k + j * job->k_row + h * HEAD);
        uint32_t *kblock = kp + (long)(j / COLS) * PAIRS * COLS + j % COLS;
        for (int i = 0; i < PAIRS; i++) kblock[i * COLS] = krow[i];
        const uint16_t *vrow = job->v + j * job->v_row + h * HEAD;
        uint16_t *vpair = (uint16_t *)(vp + (long)(j / COLS) * (COLS / 2) * HEAD
                                       + (j % COLS) / 2 * HEAD) + (j % 2);
        for (int c = 0; c < HEAD; c++) vpair[2 * c] = vrow[c];
    }
}

static void attend_tile(Job *job, int h, int row0) {
    const float scale = 0.125f; /* 1 / sqrt(HEAD) */
    const uint32_t *q[ROWS];
    for (int r = 0; r < ROWS; r++) {
        int row = row0 + r < job->lq ? row0 + r : job->lq - 1; /* a short tile repeats its last row */
        q[r] = (const uint32_t *)(job->q + row * job->q_row + h * HEAD);
    }
    const uint32_t *kp = job->kp + (long)h * job->blocks * PAIRS * COLS;
    const uint32_t *vp = job->vp + (long)h * job->blocks * (COLS / 2) * HEAD;
    float top[ROWS], total[ROWS], rescale[ROWS];
    __m512 o[ROWS][VECS];
    uint16_t probs[ROWS][COLS] __attribute__((aligned(64)));
    for (int r = 0; r < ROWS; r++) {
        top[r] = -INFINITY;
        total[r] = 0.0f;
        for (int c = 0; c < VECS; c++) o[r][c] = _mm512_setzero_ps();
    }
    for (int b = 0; b < job->blocks; b++) {
        __m512 s[ROWS][VECS];
        for (int r = 0; r < ROWS; r++)
            for (int c = 0; c < VECS; c++) s[r][c] = _mm512_setzero_ps();
        const uint32_t *kb = kp + (long)b * PAIRS * COLS;
        for (int i = 0; i < PAIRS; i++) {
            __m512bh keys[VECS];
            for (int c = 0; c < VECS; c++) keys[c] = (__m512bh)_mm512_load_si512(kb + i * COLS + c * 16);
            for (int r = 0; r < ROWS; r++) {
                __m512bh pair = (__m512bh)_mm512_set1_epi32((int)q[r][i]);
                for (int c = 0; c < VECS; c++) s[r][c] = _mm512_dpbf16_ps(s[r][c], pair, keys[c]);
            }
        }
        int valid = job->lk - b * COLS;
        for (int r = 0; r < ROWS; r++) {
            __m512 best = _mm512_set1_ps(-INFINITY);
            for (int c = 0; c < VECS; c++) {
                s[r][c] = _mm512_mul_ps(s[r][c], _mm512_set1_ps(scale));
                if (valid < COLS) {
                    int live = valid - c * 16;
                    __mmask16 keep = live >= 16 ? 0xFFFF : live <= 0 ? 0 : (__mmask16)((1u << live) - 1);
                    s[r][c] = _mm512_mask_mov_ps(_mm512_set1_ps(-1e30f), keep, s[r][c]);
                }
                best = _mm512_max_ps(best, s[r][c]);
            }
            float peak = fmaxf(top[r], _mm512_reduce_max_ps(best));
            rescale[r] = expf(top[r] - peak);
            top[r] = peak;
            __m512 sum = _mm512_setzero_ps();
            for (int c = 0; c < VECS; c++) {
                s[r][c] = exp_ps(_mm512_sub_ps(s[r][c], _mm512_set1_ps(peak)));
                sum = _mm512_add_ps(sum, s[r][c]);
            }
            total[r] = total[r] * rescale[r] + _mm512_reduce_add_ps(sum);
            for (int c = 0; c < VECS; c += 2)
                _mm512_store_si512(probs[r] + c * 16, (__m512i)_mm512_cvtne2ps_pbh(s[r][c + 1], s[r][c]));
        }
        for (int r = 0; r < ROWS; r++)
            for (int c = 0; c < VECS; c++) o[r][c] = _mm512_mul_ps(o[r][c], _mm512_set1_ps(rescale[r]));
        const uint32_t *vb = vp + (long)b * (COLS / 2) * HEAD;
        for (int t = 0; t < COLS / 2; t++) {
            __m512bh values[VECS];
            for (int c = 0; c < VECS; c++) values[c] = (__m512bh)_mm512_load_si512(vb + t * HEAD + c * 16);
            for (int r = 0; r < ROWS; r++) {
                __m512bh pair = (__m512bh)_mm512_set1_epi32((int)((const uint32_t *)probs[r])[t]);
                for (int c = 0; c < VECS; c++) o[r][c] = _mm512_dpbf16_ps(o[r][c], pair, values[c]);
            }
        }
    }
    for (int r = 0; r < ROWS && row0 + r < job->lq; r++) {
        float *out = job->out + (row0 + r) * job->out_row + h * HEAD;
        __m512 inverse = _mm512_set1_ps(1.0f / total[r]);
        for (int c = 0; c < VECS; c++) _mm512_storeu_ps(out + c * 16, _mm512_mul_ps(o[r][c], inverse));
    }
}

static void *pack(void *arg) {
    Worker *worker = arg;
    for (int h = worker->index; h < worker->job->heads; h += worker->job->threads) pack_head(worker->job, h);
    return NULL;
}

static void *attend(void *arg) {
    Worker *worker = arg;
    Job *job = worker->job;
    int tiles = (job->lq + ROWS - 1) / ROWS;
    for (long task = worker->index; task < (long)job->heads * tiles; task += job->threads)
        attend_tile(job, (int)(task / tiles), (int)(task % tiles) * ROWS);
    return NULL;
}

/* Runs fn for worker indices 0..threads-1, each on its own thread where one can be had. */
static void run_parallel(Job *job, void *(*fn)(void *)) {
    Worker workers[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int i = 0; i < job->threads; i++) workers[i] = (Worker){job, i};
    for (int i = 1; i < job->threads; i++) started[i] = pthread_create(&ids[i], NULL, fn, &workers[i]) == 0;
    fn(&workers[0]);
    for (int i = 1; i < job->threads; i++) {
        if (started[i]) pthread_join(ids[i], NULL);
        else fn(&workers[i]);
    }
}

/* Returns 0, or -1 if the packing buffers could not be allocated. */
int attention_bf16(const uint16_t *q, const uint16_t *k, const uint16_t *v, float *out,
                   long q_row, long k_row, long v_row, long out_row,
                   int heads, int lq, int lk, int threads) {
    Job job = {q, k, v, out, q_row, k_row, v_row, out_row, heads, lq, lk, (lk + COLS - 1) / COLS,
               threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads, NULL, NULL};
    size_t words = (size_t)heads * job.blocks * PAIRS * COLS;
    job.kp = aligned_alloc(64, words * sizeof(uint32_t));
    job.vp = aligned_alloc(64, words * sizeof(uint32_t));
    int ok = job.kp != NULL && job.vp != NULL;
    if (ok) {
        run_parallel(&job, pack);
        run_parallel(&job, attend);
    }
    free(job.kp);
    free(job.vp);
    return ok ? 0 : -1;
}
