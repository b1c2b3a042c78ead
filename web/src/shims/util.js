// sharedb asks for Node's `util` only for util.inherits (lib/util.js); in the browser the
// `inherits` package is that function.
export { default as inherits } from "inherits";
