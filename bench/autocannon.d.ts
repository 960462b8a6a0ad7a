// autocannon ships no type declarations; the benchmarks use it as an untyped load generator.
declare module 'autocannon';
