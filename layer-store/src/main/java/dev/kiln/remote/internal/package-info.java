/** The registry client's HTTP transport: auth challenges and tokens, error decoding, retries. */
package dev.kiln.remote.internal;
