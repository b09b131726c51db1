/** Readers of weight files into named host tensors, with errors that name the file and the entry. */
package dev.graft.weights;
