/**
 * Each namespace is written as its English object and an Indonesian one of the same shape: the compiler refuses a
 * key that one language has and the other lacks, so nothing on screen can be left untranslated.
 */
export type Translation<T> = { [K in keyof T]: T[K] extends string ? string : Translation<T[K]> };
