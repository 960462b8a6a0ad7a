// A model's serving pointers, held in memory and kept current from the change feed: which live
// versions sit in each serving stage, where its aliases point, and its binding. Every event is an
// absolute "set", so replaying one the snapshot already reflected is harmless.
import type { RegistryEvent } from '../../registry/index.js';
import type { ModelPointersDto } from '../bindings/bindings-service.js';

const SERVING = new Set(['Staging', 'Production']);

/** Event types that can move what a model serves. */
export const POINTER_EVENTS = new Set(['version.stage_changed', 'version.deleted', 'alias.set', 'alias.deleted', 'rollback', 'binding.changed']);

export class ModelPointers {
  binding = 'stage:Production';
  private readonly stageOf = new Map<number, string>();
  private readonly aliases = new Map<string, number>();

  static from(dto: ModelPointersDto): ModelPointers {
    const p = new ModelPointers();
    p.binding = dto.binding;
    for (const [stage, versions] of Object.entries(dto.stages)) for (const v of versions) p.stageOf.set(v, stage);
    for (const [alias, v] of Object.entries(dto.aliases)) p.aliases.set(alias, v);
    return p;
  }

  toDto(name: string): ModelPointersDto {
    const stages: Record<string, number[]> = {};
    for (const [v, s] of this.stageOf) (stages[s] ??= []).push(v);
    return { name, binding: this.binding, stages, aliases: Object.fromEntries(this.aliases) };
  }

  /** Applies one event; answers whether it can have changed a pointer. */
  apply(e: RegistryEvent): boolean {
    switch (e.type) {
      case 'version.stage_changed':
        if (e.version === null) return false;
        if (e.to && SERVING.has(e.to)) this.stageOf.set(e.version, e.to);
        else this.stageOf.delete(e.version);
        return true;
      case 'version.deleted':
        if (e.version !== null) this.stageOf.delete(e.version);
        return true;
      case 'alias.set':
        if (e.target?.startsWith('alias:') && e.to !== null) this.aliases.set(e.target.slice(6), Number(e.to));
        return true;
      case 'alias.deleted':
        if (e.target?.startsWith('alias:')) this.aliases.delete(e.target.slice(6));
        return true;
      case 'binding.changed':
        if (e.to) this.binding = e.to;
        return true;
      default:
        return false;
    }
  }

  /** The version the binding points at now, or null. */
  target(): number | null {
    return this.resolve(this.binding);
  }

  /** 'stage:X' / 'alias:Y' -> version. */
  resolve(target: string): number | null {
    if (target.startsWith('alias:')) return this.aliases.get(target.slice(6)) ?? null;
    const stage = target.slice(target.indexOf(':') + 1);
    let best: number | null = null;
    for (const [v, s] of this.stageOf) if (s === stage && (best === null || v > best)) best = v;
    return best;
  }

  /** A TF Serving label: an alias, or a stage name (case-insensitive). */
  resolveLabel(label: string): number | null {
    if (this.aliases.has(label)) return this.aliases.get(label)!;
    const stage = [...SERVING].find((s) => s.toLowerCase() === label.toLowerCase());
    return stage ? this.resolve(`stage:${stage}`) : null;
  }
}
