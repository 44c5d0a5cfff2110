// Route validators compiled on their route's first request instead of at start. Fastify compiles
// every route's body/params/query/headers schema with Ajv while the server starts (84 operations:
// the largest share of a start's own CPU after loading modules, docs/BENCHMARKS.md "Start"). This
// factory hands Fastify a validator per route that compiles through the same compiler Fastify
// would use (@fastify/ajv-compiler, same options and shared schemas) when it is first called.
// A route schema Ajv rejects therefore fails that route's first request, not the start; the
// OpenAPI lint (`npm run lint:openapi`) and the suite, which calls every operation, catch those.
import AjvCompiler from '@fastify/ajv-compiler';

type BuildValidator = ReturnType<typeof AjvCompiler>;
type Compile = ReturnType<BuildValidator>;
type RouteSchema = Parameters<Compile>[0];
type Validate = ((data: unknown) => unknown) & { errors?: unknown };

export function lazyValidators(): BuildValidator {
  const pool = AjvCompiler();
  return ((externalSchemas: Parameters<BuildValidator>[0], options: Parameters<BuildValidator>[1]) => {
    let compile: Compile | undefined;
    return (route: RouteSchema) => {
      let validate: Validate | undefined;
      const lazy: Validate = (data) => {
        validate ??= (compile ??= pool(externalSchemas, options))(route) as Validate;
        const ok = validate(data);
        lazy.errors = validate.errors;
        return ok;
      };
      return lazy;
    };
  }) as BuildValidator;
}
