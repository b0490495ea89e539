/** The hashed-page-table device, its guest workload and its migration handlers; private to the bundle. */
package io.ferry.htab.internal;
