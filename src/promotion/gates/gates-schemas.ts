// Request/response schemas for validation gates and reports.
import { Type } from 'typebox';
import { Nullable } from '../../http/common-schemas.js';

export const HoldoutSpecSchema = Type.Object(
  {
    sha256: Type.String({ description: 'sha256 of the dataset uploaded to /api/v1/blobs' }),
    format: Type.Union([Type.Literal('csv'), Type.Literal('jsonl')]),
    label: Type.Optional(Type.String({ description: 'label column or key; default "label"' })),
    features: Type.Optional(Type.Array(Type.String())),
    task: Type.Optional(Type.Union([Type.Literal('classification'), Type.Literal('regression')])),
    threshold: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

export const ThresholdSchema = Type.Object(
  {
    metric: Type.Union([Type.Literal('accuracy'), Type.Literal('precision'), Type.Literal('recall'), Type.Literal('f1'), Type.Literal('mae'), Type.Literal('rmse')]),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    max_drop: Type.Optional(Type.Number({ minimum: 0, description: 'largest allowed worsening vs Production on the same data' })),
    max_drop_relative: Type.Optional(Type.Number({ minimum: 0, description: 'as a fraction of Production’s value' })),
  },
  { additionalProperties: false },
);

export const GatesInputSchema = Type.Object(
  {
    stages: Type.Optional(Type.Array(Type.String())),
    signature: Type.Optional(Type.Boolean()),
    digest: Type.Optional(Type.Boolean()),
    holdout: Type.Optional(Nullable(HoldoutSpecSchema)),
    thresholds: Type.Optional(Type.Array(ThresholdSchema)),
    require_drill: Type.Optional(Type.Boolean({ description: 'Production only: require a passing rollback drill of this version in Staging' })),
  },
  { additionalProperties: false },
);

export const GatesConfigSchema = Type.Object({
  stages: Type.Array(Type.String()),
  signature: Type.Boolean(),
  digest: Type.Boolean(),
  holdout: Nullable(HoldoutSpecSchema),
  thresholds: Type.Array(ThresholdSchema),
  require_drill: Type.Optional(Type.Boolean()),
});

export const GatesViewSchema = Type.Object({
  name: Type.String(),
  gates: Nullable(GatesConfigSchema),
  updated_at: Nullable(Type.String()),
  updated_by: Nullable(Type.String()),
});

export const CheckResultSchema = Type.Object({ name: Type.String(), passed: Type.Boolean(), skipped: Type.Boolean(), message: Type.String() });

export const ValidationReportSchema = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  stage: Type.String(),
  passed: Type.Boolean(),
  failed_checks: Type.Array(Type.String()),
  checks: Type.Array(CheckResultSchema),
  baseline_version: Nullable(Type.Integer()),
  metrics: Nullable(
    Type.Object({
      rows: Type.Integer(),
      candidate: Type.Record(Type.String(), Type.Number()),
      baseline: Nullable(Type.Record(Type.String(), Type.Number())),
    }),
  ),
  override: Nullable(Type.Object({ actor: Type.String(), reason: Type.String() })),
  actor: Type.String(),
  ran_at: Type.String(),
});
