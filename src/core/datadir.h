/* datadir.h - the folder of the data postisac ships (data/: regimes, the RSIT taxonomy,
 * warninglists). */
#ifndef PI_CORE_DATADIR_H
#define PI_CORE_DATADIR_H

#include <stddef.h>

/* Writes the default data folder into out: $POSTISAC_DATA_DIR if set, else ./data when it
 * holds regimes/, else the source tree's data/ next to a build directory binary, else
 * <prefix>/share/postisac next to an installed binary, else /usr/share/postisac. */
void pi_data_dir_default(char *out, size_t size);

#endif
