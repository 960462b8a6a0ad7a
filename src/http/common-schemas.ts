// Schemas shared across modules: errors, the model and version shapes, the integer ranges.
import { Type, type Static } from 'typebox';

/**
 * The range of the int4 columns request integers land in (versions, row numbers, counts). Every
 * integer in a request schema gets it unless the schema says otherwise (http/integer-bounds.ts).
 */
export const INT4 = { minimum: -2147483648, maximum: 2147483647 } as const;

/**
 * An id stored as int8 (events, approvals), or a position among them (a cursor, 0 for "from the
 * start"): up to the largest integer JavaScript holds exactly.
 */
export const Int8Id = (options: { minimum?: number; description?: string } = {}) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...options });

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      id: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'Error' },
);

export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
};

export const TensorSpecSchema = Type.Object({ name: Type.String(), type: Type.String(), shape: Type.Array(Type.Integer()) });
export const SignatureSchema = Type.Object({ inputs: Type.Array(TensorSpecSchema), outputs: Type.Array(TensorSpecSchema) });

export const VersionSchema = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  label: Nullable(Type.String()),
  description: Type.String(),
  source: Nullable(Type.String()),
  run_id: Nullable(Type.String()),
  params: Type.Record(Type.String(), Type.String()),
  metrics: Type.Record(Type.String(), Type.Number()),
  dataset_digest: Nullable(Type.String()),
  code_ref: Nullable(Type.String()),
  signature: Nullable(SignatureSchema),
  status: Type.String(),
  status_message: Nullable(Type.String()),
  stage: Type.String(),
  aliases: Type.Array(Type.String()),
  tags: Type.Record(Type.String(), Type.String()),
  health: Type.String(),
  health_reason: Nullable(Type.String()),
  digest: Nullable(Type.String()),
  size_bytes: Type.Integer(),
  runtime: Nullable(Type.String()),
  endpoint_url: Nullable(Type.String()),
  python: Nullable(
    Type.Object(
      {
        flavors: Type.Array(Type.String(), { description: "the MLmodel's flavors, e.g. python_function, sklearn" }),
        python_version: Nullable(Type.String({ description: "the python_function flavor's python_version: the Python the model was saved with" })),
        mlflow_version: Nullable(Type.String()),
        requirements: Type.Array(Type.String(), { description: 'pip requirement specifiers the python-env gate checks against the interpreter' }),
        requirements_file: Nullable(Type.String({ description: 'requirements.txt, python_env.yaml or conda.yaml of the model directory' })),
        interpreter: Nullable(Type.String({ description: 'the interpreter its workers run, from the tag stagecraft.python (version, else model); null: the gateway default (--python)' })),
      },
      { description: 'what registration recorded of an MLflow model directory (an MLmodel among the files); null without one' },
    ),
  ),
  created_by: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  deleted: Type.Boolean(),
});
export type VersionDto = Static<typeof VersionSchema>;

export const ModelSchema = Type.Object({
  name: Type.String(),
  description: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  created_by: Type.String(),
  protected: Type.Boolean({ description: 'while the model serves, deleting or renaming it is refused (409); admins set and clear it' }),
  tags: Type.Record(Type.String(), Type.String()),
  latest_version: Nullable(Type.Integer()),
  stages: Type.Object({ Production: Nullable(Type.Integer()), Staging: Nullable(Type.Integer()) }),
  aliases: Type.Record(Type.String(), Type.Integer()),
  production: Nullable(
    Type.Object({ version: Type.Integer(), health: Type.String(), health_reason: Nullable(Type.String()) }),
  ),
  last_event: Nullable(
    Type.Object({
      id: Type.Integer(),
      type: Type.String(),
      time: Type.String(),
      actor: Type.String(),
      reason: Nullable(Type.String()),
    }),
  ),
});

export const EventSchema = Type.Object({
  id: Type.Integer(),
  time: Type.String(),
  time_ms: Type.Number(),
  actor: Type.String(),
  model: Nullable(Type.String()),
  version: Nullable(Type.Integer()),
  type: Type.String(),
  target: Nullable(Type.String()),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  imported_from: Type.Optional(Type.String({ description: 'set on an event imported from another registry (original actor and time): where it was first recorded' })),
});

export const ModelNameParams = Type.Object({ name: Type.String() });
export const VersionParams = Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) });
export const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });
