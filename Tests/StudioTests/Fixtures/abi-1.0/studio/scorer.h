/* Scorers: pure functions from (test case, model output) to a score. A scorer never does
 * I/O; the host runs the model, normalizes its output and stores the result.
 *
 * Case JSON: the test case as the suite stores it, plus the suite's "tools"
 * (docs/schemas/scorer-case.schema.json); a scorer reads only the fields its manifest
 * lists under "reads". Output JSON: the normalized model output
 * {"calls":[{"name","arguments"}],"text","finish_reason"} (docs/schemas/model-output.schema.json).
 * Result JSON: {"score": 0..1, "passed": bool, "subscores": {name: number|null},
 *               "error_type": string|null, "details": any}. */
#pragma once

#include "types.h"

STUDIO_EXTERN_C_BEGIN

#define STUDIO_SCORER_FACTORY_ID "studio.scorer/1"

typedef struct studio_scorer {
   uint32_t struct_size;
   /* Owned by the plugin. */
   void *scorer_data;

   /* Scores one output against one case and writes the result JSON to `out`.
    * Bad case or output JSON is STUDIO_ERR_INVALID_INPUT with the reason in `error`;
    * a wrong answer is not an error, it is a low score. [any-thread] */
   studio_status_t (*score)(const struct studio_scorer *self, studio_str_t case_json,
                            studio_str_t output_json, const studio_sink_t *out,
                            const studio_sink_t *error);

   /* Releases the instance. Called exactly once, with no other call in flight. */
   void (*destroy)(struct studio_scorer *self);
} studio_scorer_t;

typedef struct studio_scorer_factory {
   uint32_t struct_size;
   /* Creates a scorer from its config JSON ("{}" when none; schema in the manifest).
    * On STUDIO_OK, *out is owned by the caller and released with (*out)->destroy.
    * [any-thread] */
   studio_status_t (*create)(studio_str_t config_json, studio_scorer_t **out,
                             const studio_sink_t *error);
} studio_scorer_factory_t;

STUDIO_EXTERN_C_END
