/* Times libwbxml's own in-process decode (WBXML -> tree) and encode (tree -> WBXML) of one
 * ActiveSync document, the same work eas-gateway's codec does. Prints one JSON line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wbxml/wbxml.h>

/* The tree API is exported by libwbxml2 but its header is not installed by libwbxml2-dev. */
typedef struct WBXMLTree_s WBXMLTree;
extern WBXMLError wbxml_tree_from_wbxml(WB_UTINY *wbxml, WB_ULONG wbxml_len, WBXMLLanguage lang,
                                        WBXMLCharsetMIBEnum charset, WBXMLTree **tree);
extern WBXMLError wbxml_tree_to_wbxml(WBXMLTree *tree, WB_UTINY **wbxml, WB_ULONG *wbxml_len,
                                      WBXMLGenWBXMLParams *params);
extern void wbxml_tree_destroy(WBXMLTree *tree);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s file.wbxml seconds [out.wbxml]\n", argv[0]); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  WB_UTINY *buf = malloc(len);
  if (fread(buf, 1, len, f) != (size_t)len) { perror("read"); return 1; }
  fclose(f);
  double seconds = atof(argv[2]);

  WBXMLGenWBXMLParams params = { WBXML_VERSION_13, FALSE, FALSE, TRUE };
  WBXMLTree *tree = NULL;
  WBXMLError err = wbxml_tree_from_wbxml(buf, len, WBXML_LANG_ACTIVESYNC, WBXML_CHARSET_UTF_8, &tree);
  if (err != WBXML_OK) { fprintf(stderr, "decode: %s\n", wbxml_errors_string(err)); return 1; }
  if (argc > 3) { /* the bytes libwbxml writes, for the equal-work check */
    WB_UTINY *out; WB_ULONG outlen;
    if (wbxml_tree_to_wbxml(tree, &out, &outlen, &params) != WBXML_OK) return 1;
    FILE *o = fopen(argv[3], "wb"); fwrite(out, 1, outlen, o); fclose(o); free(out);
  }

  long n = 0; double start = now(), end;
  do {
    WBXMLTree *t = NULL;
    wbxml_tree_from_wbxml(buf, len, WBXML_LANG_ACTIVESYNC, WBXML_CHARSET_UTF_8, &t);
    wbxml_tree_destroy(t);
    n++;
  } while ((end = now()) - start < seconds);
  double decode = (double)len * n / (end - start);

  long m = 0; start = now();
  do {
    WB_UTINY *out = NULL; WB_ULONG outlen = 0;
    wbxml_tree_to_wbxml(tree, &out, &outlen, &params);
    free(out);
    m++;
  } while ((end = now()) - start < seconds);
  double encode = (double)len * m / (end - start);

  printf("{\"decodeBytesPerSecond\":%.0f,\"encodeBytesPerSecond\":%.0f,\"decodeRuns\":%ld,\"encodeRuns\":%ld}\n", decode, encode, n, m);
  wbxml_tree_destroy(tree);
  free(buf);
  return 0;
}
