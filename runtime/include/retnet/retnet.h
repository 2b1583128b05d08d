/*===- retnet.h - C API of the RetNet runtime ----------------------------===*\
|*                                                                            *|
|* Open a compiled model with its checkpoint, create a session holding the    *|
|* recurrent state of up to N sequences (state size independent of context    *|
|* length), prefill prompts, decode steps for any set of sequences, and       *|
|* reset or copy one sequence's state: what a server doing continuous         *|
|* batching needs. Link with -lretnet. Thread safety: one session per thread. *|
|*                                                                            *|
|* Every function that can fail returns NULL or a non-zero status and leaves  *|
|* a message in retnet_last_error() (per thread).                             *|
\*===----------------------------------------------------------------------===*/

#ifndef RETNET_RETNET_H
#define RETNET_RETNET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct retnet_model retnet_model;
typedef struct retnet_session retnet_session;

/* How a prompt is processed; all give the same logits and state. */
typedef enum {
  RETNET_FORM_AUTO = 0, /* the cheapest for the prompt's length on the
                           model's target (retnet_model_auto_form) */
  RETNET_FORM_PARALLEL = 1,
  RETNET_FORM_CHUNKWISE = 2,
  RETNET_FORM_RECURRENT = 3
} retnet_form;

/* Where a model computes. */
typedef enum {
  RETNET_TARGET_AUTO = 0, /* a given artifact's target; else CUDA when a GPU
                             is usable, the CPU otherwise */
  RETNET_TARGET_CPU = 1,
  RETNET_TARGET_CUDA = 2 /* kernels on the first GPU; buffers in CUDA
                            managed memory */
} retnet_target;

/* The message of the last failed call on this thread ("" if none). */
const char *retnet_last_error(void);

/* Opens the model in `model_dir` (config.json, model.safetensors) with the
 * compiled artifact at `artifact` (from retnet-compile), on the target the
 * artifact was compiled for. With artifact NULL the model is compiled on
 * first use and cached (see retnet_cache_dir): for the GPU when one is
 * usable, else for the CPU, to run on every core (retnet-compile --threads)
 * unless the environment variable RETNET_THREADS is 0. */
retnet_model *retnet_model_open(const char *model_dir, const char *artifact);
/* The same on a chosen target: RETNET_TARGET_AUTO is what retnet_model_open
 * does; CPU or CUDA compile for that target on first use, or check that
 * `artifact` was compiled for it. CUDA fails with a message when no GPU is
 * usable (no driver, no device). */
retnet_model *retnet_model_open_on(const char *model_dir, const char *artifact,
                                   retnet_target target);
/* RETNET_TARGET_CPU or RETNET_TARGET_CUDA (AUTO for NULL). */
retnet_target retnet_model_target(const retnet_model *model);
void retnet_model_close(retnet_model *model);
int64_t retnet_model_vocab_size(const retnet_model *model);
/* Bytes of recurrent state per sequence (all layers), whatever its length. */
int64_t retnet_model_state_bytes(const retnet_model *model);
/* The form RETNET_FORM_AUTO runs for a prompt of `n` tokens: on the CPU the
 * cheapest by a cost model of the retention work of each form with the
 * artifact's chunk size (docs/form-cost.md); on CUDA parallel up to the
 * chunk size, else chunkwise. RETNET_FORM_AUTO for NULL or n < 1. */
retnet_form retnet_model_auto_form(const retnet_model *model, int64_t n);

/* A session for up to `max_sequences` sequences, all empty (position 0). */
retnet_session *retnet_session_create(retnet_model *model,
                                      int64_t max_sequences);
void retnet_session_free(retnet_session *session);

/* The most tokens one retnet_prefill call takes (longer prompts: several
 * calls, each continuing from the state the last one left). */
#define RETNET_MAX_PREFILL_TOKENS (1 << 20)

/* Feeds `n` tokens to sequence `seq`, continuing from its state. Writes the
 * logits of every token to `logits` [n, vocab] (may be NULL), or only of the
 * last one when `last_only` is non-zero ([vocab]). */
int retnet_prefill(retnet_session *session, int64_t seq, const int64_t *tokens,
                   int64_t n, retnet_form form, float *logits, int last_only);

/* One token for each of `n` sequences `seqs` (distinct) with the recurrent
 * form: tokens[i] is appended to sequence seqs[i]; logits [n, vocab]. */
int retnet_decode(retnet_session *session, const int64_t *seqs,
                  const int64_t *tokens, int64_t n, float *logits);

/* Empties sequence `seq` (state zero, position 0). */
int retnet_reset(retnet_session *session, int64_t seq);
/* Makes sequence `dst` a copy of `src` (state and position): a shared
 * prompt prefix is prefilled once and forked. */
int retnet_copy(retnet_session *session, int64_t dst, int64_t src);
/* Tokens consumed by sequence `seq`, or -1 for a bad index. */
int64_t retnet_position(const retnet_session *session, int64_t seq);

/* Text, with the model directory's tokenizer (tokenizer.json, else
 * tokenizer.model, with tokenizer_config.json; read on first use). */

/* 1 when the model directory has a tokenizer, 0 when not, -1 for NULL. */
int retnet_model_has_tokenizer(const retnet_model *model);
/* The token ids of `length` bytes of UTF-8 `text` (bytes that are not UTF-8
 * are read as U+FFFD). With `add_special` non-zero, bos/eos are added as the
 * tokenizer's config says (a prompt); with 0 none are. Writes at most
 * `capacity` ids to `ids` (NULL when capacity is 0) and the number of ids to
 * `*count`, which may exceed `capacity` (call again with a larger buffer). */
int retnet_tokenize(const retnet_model *model, const char *text,
                    int64_t length, int add_special, int64_t *ids,
                    int64_t capacity, int64_t *count);
/* The UTF-8 text of `n` ids. Writes at most `capacity` bytes to `text`
 * (NULL when capacity is 0; not NUL-terminated) and the text's length to
 * `*length`, which may exceed `capacity`. */
int retnet_detokenize(const retnet_model *model, const int64_t *ids,
                      int64_t n, char *text, int64_t capacity,
                      int64_t *length);
/* The end-of-sequence id (the tokenizer's, else config.json's eos_token_id)
 * and the beginning-of-sequence id; -1 when there is none. */
int64_t retnet_model_eos(const retnet_model *model);
int64_t retnet_model_bos(const retnet_model *model);

/* Where compiled models are cached: $RETNET_CACHE_DIR, else
 * $XDG_CACHE_HOME/retnet, else $HOME/.cache/retnet. */
const char *retnet_cache_dir(void);

#ifdef __cplusplus
}
#endif

#endif /* RETNET_RETNET_H */
