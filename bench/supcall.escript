#!/usr/bin/env escript
%% -*- erlang -*-
%%! -hidden -noinput
%% bench/supcall.escript: one call the way Kazoo's core/sup makes it, for `make bench`: a new
%% VM becomes a hidden node under a random name (sup_XXXX@HOST, HOST the target's host), takes
%% the cookie from its command line (`sup -c COOKIE`, as Kazoo's sup has it), and calls
%% M:F(ARGS) with rpc:call/4.  Prints the result with ~p; exit 1 when the node is not reached
%% or the call fails.  Not part of kzlaunch.
%%
%%   escript supcall.escript -c COOKIE NODE M F [ARG...]    (each ARG passed as a binary)
main(["-c", Cookie, Target, M, F | Args]) ->
    Node = list_to_atom(Target),
    [_, Host] = string:split(Target, "@"),
    % -name when the target's host has a dot, as the target itself must have been started.
    Names = case lists:member($., Host) of true -> longnames; false -> shortnames end,
    % Each call's name is a new atom on the target: this is the leak Kazoo's sup has.
    Me = list_to_atom(lists:flatten(io_lib:format("sup_~4.16.0b@~s", [rand:uniform(16#10000) - 1, Host]))),
    case net_kernel:start([Me, Names]) of
        {ok, _} -> ok;
        {error, Why} -> fail("cannot start the distribution: ~p", [Why])
    end,
    erlang:set_cookie(Node, list_to_atom(Cookie)),
    case rpc:call(Node, list_to_atom(M), list_to_atom(F), [list_to_binary(A) || A <- Args]) of
        {badrpc, Reason} -> fail("Command failed: ~p", [Reason]);
        Result -> io:format("~p~n", [Result])
    end;
main(_) ->
    fail("usage: supcall.escript -c COOKIE NODE M F [ARG...]", []).

fail(Fmt, Args) ->
    io:format(standard_error, Fmt ++ "~n", Args),
    halt(1).
