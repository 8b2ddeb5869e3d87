/*
 * eicar.yar - the EICAR anti-virus test file: proves the scanning pipeline sees file
 * contents. Reported as a test detection (LOW), never as malware.
 * Written for laocoon (Apache-2.0). The string is the one EICAR publishes.
 */
rule eicar_test_file
{
	meta:
		description = "EICAR anti-virus test file"
		severity = "low"
		reference = "https://www.eicar.org/download-anti-malware-testfile/"
	strings:
		$eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
	condition:
		/* the file may be followed by whitespace, up to 128 bytes in all */
		$eicar at 0 and filesize <= 128
}
