/** The registry client (push, pull, auth) over OkHttp; nothing else in layer-store sees OkHttp. */
package dev.kiln.remote;
