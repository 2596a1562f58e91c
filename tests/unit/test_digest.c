#include <criterion/criterion.h>
#include <string.h>

#include "common/digest.h"

Test(digest, sha256_of_abc_matches_fips_vector)
{
    char hex[2 * DIGEST_MAX_BYTES + 1];
    struct ag_error err = {0};
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, "abc", 3, hex, &err), AG_OK);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(digest, one_pass_gives_all_four)
{
    struct digest_set set;
    struct ag_error err = {0};
    cr_assert_eq(digest_set_init(&set, DIGEST_ALL, &err), AG_OK);
    digest_set_update(&set, "a", 1);
    digest_set_update(&set, "bc", 2);
    cr_assert_eq(digest_set_final(&set, &err), AG_OK);
    char hex[129];
    digest_hex(set.value[DIGEST_MD5], set.length[DIGEST_MD5], hex);
    cr_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
    digest_hex(set.value[DIGEST_SHA1], set.length[DIGEST_SHA1], hex);
    cr_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    digest_hex(set.value[DIGEST_SHA512], set.length[DIGEST_SHA512], hex);
    cr_assert_str_eq(hex, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    digest_set_free(&set);
}

Test(digest, base64url_drops_padding_and_swaps_alphabet)
{
    const unsigned char bytes[] = {0xfb, 0xff, 0xfe};
    char out[16];
    digest_base64url_nopad(bytes, 3, out);
    cr_assert_str_eq(out, "-__-");
    const unsigned char two[] = {0xfb, 0xff};
    digest_base64url_nopad(two, 2, out);
    cr_assert_str_eq(out, "-_8");
    digest_base64(two, 2, out);
    cr_assert_str_eq(out, "+/8=");
}

Test(digest, sha256_vectors_for_empty_and_two_block_input)
{
    char hex[2 * DIGEST_MAX_BYTES + 1];
    struct ag_error err = {0};
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, "", 0, hex, &err), AG_OK);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, two, strlen(two), hex, &err), AG_OK);
    cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    cr_assert_eq(digest_buffer_hex(DIGEST_MD5, "", 0, hex, &err), AG_OK);
    cr_assert_str_eq(hex, "d41d8cd98f00b204e9800998ecf8427e");
}

Test(digest, set_computes_only_the_masked_digests)
{
    struct digest_set set;
    struct ag_error err = {0};
    cr_assert_eq(digest_set_init(&set, DIGEST_BIT(DIGEST_SHA1), &err), AG_OK);
    digest_set_update(&set, "abc", 3);
    cr_assert_eq(digest_set_final(&set, &err), AG_OK);
    cr_assert_eq(set.length[DIGEST_SHA1], 20u);
    cr_assert_eq(set.length[DIGEST_SHA256], 0u);
    cr_assert_eq(set.length[DIGEST_MD5], 0u);
    digest_set_free(&set);
}

Test(digest, hex_decode_round_trips_every_byte_value)
{
    unsigned char bytes[256], back[256];
    char hex[2 * 256 + 1];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    digest_hex(bytes, sizeof bytes, hex);
    cr_assert_eq(strlen(hex), 512u);
    cr_assert_eq(strncmp(hex, "000102", 6), 0);
    cr_assert_str_eq(hex + 506, "fdfeff");
    memset(back, 0, sizeof back);
    cr_assert_eq(hex_decode(hex, back, sizeof back), 256);
    cr_assert_arr_eq(back, bytes, sizeof bytes);
}

Test(digest, hex_decode_accepts_uppercase)
{
    unsigned char out[4];
    cr_assert_eq(hex_decode("DEADbeef", out, sizeof out), 4);
    const unsigned char want[] = {0xde, 0xad, 0xbe, 0xef};
    cr_assert_arr_eq(out, want, sizeof want);
    cr_assert_eq(hex_decode("", out, sizeof out), 0);
}

Test(digest, hex_decode_rejects_odd_length)
{
    unsigned char out[8];
    cr_assert_eq(hex_decode("abc", out, sizeof out), -1);
    cr_assert_eq(hex_decode("0", out, sizeof out), -1);
}

Test(digest, hex_decode_rejects_non_hex_characters)
{
    unsigned char out[8];
    cr_assert_eq(hex_decode("zz", out, sizeof out), -1);
    cr_assert_eq(hex_decode("0g", out, sizeof out), -1);
    cr_assert_eq(hex_decode(" 1", out, sizeof out), -1);
    cr_assert_eq(hex_decode("12-4", out, sizeof out), -1);
    cr_assert_eq(hex_decode("0x12", out, sizeof out), -1);
}

Test(digest, hex_decode_rejects_output_too_small)
{
    unsigned char out[2] = {0x11, 0x22};
    cr_assert_eq(hex_decode("aabbcc", out, sizeof out), -1);
    cr_assert_eq(out[0], 0x11, "nothing is written when the input does not fit");
}
